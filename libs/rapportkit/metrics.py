"""Prometheus metrics, named `<service>_...` (the process's one name is the metrics prefix)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import Counter, Gauge, Histogram


@dataclass
class Metrics:
    http_requests: Counter
    http_latency: Histogram
    consumed: Counter
    dead_lettered: Counter
    handler_latency: Histogram
    published: Counter
    publish_errors: Counter
    outbox_backlog: Gauge
    ingested: Counter
    scored: Counter


_cache: dict[str, Metrics] = {}


def metrics(service: str) -> Metrics:
    """The process's metrics (created once per process)."""
    if service not in _cache:
        p = service.replace("-", "_")
        _cache[service] = Metrics(
            http_requests=Counter(f"{p}_http_requests", "HTTP requests", ["method", "route", "status"]),
            http_latency=Histogram(f"{p}_http_request_seconds", "HTTP request latency", ["route"]),
            consumed=Counter(f"{p}_events_consumed", "Events applied by the consumer", ["topic", "outcome"]),
            dead_lettered=Counter(f"{p}_events_dead_lettered", "Events sent to a DLQ", ["topic"]),
            handler_latency=Histogram(f"{p}_consumer_batch_seconds", "Consumer batch processing time"),
            published=Counter(f"{p}_outbox_published", "Outbox events published", ["topic"]),
            publish_errors=Counter(f"{p}_outbox_publish_errors", "Outbox publish failures"),
            outbox_backlog=Gauge(f"{p}_outbox_backlog", "Outbox rows not yet published"),
            ingested=Counter(f"{p}_events_ingested", "Events committed by POST /internal/events", ["outcome"]),
            scored=Counter(f"{p}_rep_days_scored", "Rep-days the scorer recomputed"),
        )
    return _cache[service]
