"""The erasure scan (issue 13, "Done when"): what of a person, or of a tenant, is left anywhere the
stack keeps data.

- `scan_databases`: every text, JSON and binary column of every table of every database of a stack,
  found by introspection (SQLAlchemy `inspect`, no list of tables), for given strings.
- `tenant_rows`: the rows of every table of every database whose `tenant_id` is the given tenant.
- `scan_topics`: every message (value, key and headers) of every topic, read from its beginning,
  for given strings.

Strings are matched case-insensitively, as substrings. A hit names where it was found and a short
excerpt, so a failing assertion says what leaked.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import JSON, Connection, LargeBinary, String, create_engine, inspect, select, table
from sqlalchemy import column as sql_column

from rapportkit.keyring import Keyring
from rapportkit.sealing import SealBroken, open_each
from stack.processes import SERVICES

DATABASES = (*SERVICES, "gateway", "keyring")


@dataclass(frozen=True)
class Hit:
    where: str  # "<database>.<table>.<column>" or "<topic>[<partition>]@<offset> <part>"
    needle: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.where}: {self.needle!r} in …{self.excerpt}…"


def database_urls(env: Mapping[str, str]) -> dict[str, str]:
    """The database of each service, of the gateway and of the keyring, from a stack's environment."""
    inherited = {**os.environ, **env}  # a stack's processes inherit the keyring of the tests' environment
    return {name: inherited[f"{name.upper()}_DATABASE_URL"] for name in DATABASES}


def as_text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode(errors="replace")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _found(text: str, needles: list[str], where: str) -> list[Hit]:
    lowered = text.lower()
    hits = []
    for needle in needles:
        at = lowered.find(needle)
        if at >= 0:
            hits.append(Hit(where, needle, text[max(0, at - 40):at + len(needle) + 40]))
    return hits


@dataclass(frozen=True)
class Table:
    database: str
    name: str
    columns: dict[str, Any]  # name → SQLAlchemy type, as introspected
    conn: Connection

    def rows(self, columns: list[str], tenant_id: str | None = None) -> list[dict[str, Any]]:
        scope = [sql_column("tenant_id") == tenant_id] if tenant_id is not None else []
        return [dict(r) for r in self.conn.execute(
            select(*(sql_column(c) for c in columns)).select_from(table(self.name)).where(*scope)).mappings()]


def tables(urls: Mapping[str, str]) -> Iterator[Table]:
    """Every table of every database, found by introspection, with an open connection to read it."""
    for name, url in urls.items():
        engine = create_engine(url)
        try:
            inspector = inspect(engine)
            with engine.connect() as conn:
                for table_name in inspector.get_table_names():
                    columns = {c["name"]: c["type"] for c in inspector.get_columns(table_name)}
                    yield Table(name, table_name, columns, conn)
        finally:
            engine.dispose()


def scan_databases(urls: Mapping[str, str], strings: Iterable[str]) -> list[Hit]:
    """Every text/JSON/binary column of every table of every database, for `strings`."""
    needles = sorted({s.lower() for s in strings if s})
    hits: list[Hit] = []
    for found in tables(urls):
        texty = [c for c, kind in found.columns.items() if isinstance(kind, (String, JSON, LargeBinary))]
        for row in found.rows(texty) if texty else []:
            for col, value in row.items():
                if value is not None:
                    hits.extend(_found(as_text(value), needles, f"{found.database}.{found.name}.{col}"))
    return hits


def tenant_rows(urls: Mapping[str, str], tenant_id: str) -> dict[str, list[dict[str, Any]]]:
    """`<database>.<table>` → the rows of every table with a `tenant_id` column that belong to the
    tenant; also lists the tables with no `tenant_id` column (which a tenant deletion cannot scope)
    under the key `"unscoped"`."""
    left: dict[str, list[dict[str, Any]]] = {}
    unscoped: list[dict[str, Any]] = []
    for found in tables(urls):
        if "tenant_id" not in found.columns:
            unscoped.append({"database": found.database, "table": found.name})
        elif rows := found.rows(list(found.columns), tenant_id):
            left[f"{found.database}.{found.name}"] = rows
    if unscoped:
        left["unscoped"] = unscoped
    return left


def scan_topics(bootstrap: str, strings: Iterable[str], *, keyring_url: str, timeout: float = 60) -> list[Hit]:
    """Every message (value, key, headers) of every topic of the broker, from the beginning of each
    partition to its end as it was when the scan began, for `strings`: as stored, and each value
    also as the keyring at `keyring_url` opens it (what a subscriber holding the keys reads)."""
    needles = sorted({s.lower() for s in strings if s})
    ring = Keyring(keyring_url)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                             consumer_timeout_ms=1000)
    hits: list[Hit] = []
    try:
        partitions = [TopicPartition(topic, p) for topic in sorted(consumer.topics())
                      for p in sorted(consumer.partitions_for_topic(topic) or ())]
        assert partitions, "the broker has no topics to scan"
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        left = {tp for tp in partitions if end[tp] > 0}
        deadline = time.monotonic() + timeout
        while left:
            assert time.monotonic() < deadline, f"the topics were not read to their end within {timeout} s: {left}"
            for tp, records in consumer.poll(timeout_ms=500, max_records=5000).items():
                kept = [r for r in records if r.offset < end[tp]]
                for r, opened in zip(kept, open_values(kept, ring), strict=True):
                    where = f"{r.topic}[{r.partition}]@{r.offset}"
                    hits.extend(_found(as_text(r.value or b""), needles, f"{where} value"))
                    hits.extend(_found(as_text(opened), needles, f"{where} value opened"))
                    hits.extend(_found(as_text(r.key or b""), needles, f"{where} key"))
                    for header, value in r.headers or []:
                        hits.extend(_found(f"{header}: {as_text(value or b'')}", needles, f"{where} header"))
            left = {tp for tp in left if consumer.position(tp) < end[tp]}
    finally:
        consumer.close()
        ring.close()
    return hits


def open_values(records: list[Any], ring: Keyring) -> list[Any]:
    """The messages' values opened (one keyring query for the lot); a value that is not JSON as it is."""
    values: list[Any] = []
    for r in records:
        try:
            values.append(json.loads(r.value or b""))
        except ValueError:
            values.append(r.value)
    return [value if isinstance(result, SealBroken) else result
            for value, result in zip(values, open_each(values, ring), strict=True)]
