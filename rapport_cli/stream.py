"""`rapport tail`: follow `GET /v1/stream` (server-sent events), reconnecting with `Last-Event-ID`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from rapport_cli.client import FAILED, UNREACHABLE, CliError, Gateway, check

RECONNECT_SECONDS = (0.5, 1, 2, 5, 10)


@dataclass
class Message:
    """One server-sent event."""

    id: str | None = None
    event: str = "message"
    data_lines: list[str] = field(default_factory=list)

    @property
    def data(self) -> str:
        return "\n".join(self.data_lines)


def parse_sse(lines: Iterable[str]) -> Iterator[Message]:
    """Server-sent events from the text lines of a stream (the WHATWG event-stream format)."""
    current = Message()
    for line in lines:
        if line == "":
            if current.data_lines:
                yield current
            current = Message()
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            current.data_lines.append(value)
        elif name == "event":
            current.event = value
        elif name == "id" and "\0" not in value:
            current.id = value


def tail(gateway: Gateway, *, types: str | None, emit: Callable[[dict[str, Any]], None],
         notice: Callable[[str], None], reconnect: bool = True) -> None:
    """Print each streamed event with `emit` until interrupted; reconnects when the stream drops."""
    last_id: str | None = None
    failures = 0
    while True:
        headers = {"Accept": "text/event-stream"}
        if last_id:
            headers["Last-Event-ID"] = last_id
        params = {"types": types} if types else {}
        try:
            with gateway.reaching(), gateway.http.stream("GET", "/v1/stream", params=params, headers=headers,
                                                         timeout=httpx.Timeout(10.0, read=None)) as response:
                if response.status_code == 404:
                    raise CliError(f"the gateway at {gateway.config.url} has no event stream (GET /v1/stream "
                                   "answered 404): it predates the stream; upgrade it", FAILED)
                if response.status_code >= 400:
                    response.read()
                    check(response, gateway.config)
                failures = 0
                for message in parse_sse(response.iter_lines()):
                    if message.id:
                        last_id = message.id
                    if message.event == "gap":
                        notice("some events were missed while disconnected (the gateway's buffer moved on)")
                        continue
                    try:
                        event = json.loads(message.data)
                    except ValueError:
                        continue
                    if isinstance(event, dict):
                        emit(event)
        except CliError as error:
            if not reconnect or error.code != UNREACHABLE or failures >= len(RECONNECT_SECONDS):
                raise
            notice(f"{error.message}; reconnecting")
        except httpx.HTTPError as exc:  # the stream broke off mid-way
            if not reconnect or failures >= len(RECONNECT_SECONDS):
                raise CliError(f"the event stream broke off: {exc}", UNREACHABLE) from exc
            notice("the event stream broke off; reconnecting")
        if not reconnect:
            return
        time.sleep(RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)])
        failures += 1
