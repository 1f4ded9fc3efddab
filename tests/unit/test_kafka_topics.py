"""Topic creation gives up waiting for a broker as soon as the launcher is asked to stop."""

from __future__ import annotations

import socket
import time

import pytest

from rapportkit.kafka import ensure_topics


def closed_port() -> int:
    with socket.socket() as sock:  # bound then closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_stop_ends_the_wait_for_an_absent_broker_within_seconds() -> None:
    asked = time.monotonic() + 1.0
    started = time.monotonic()
    with pytest.raises(InterruptedError):
        ensure_topics(f"127.0.0.1:{closed_port()}", wait_seconds=60, should_stop=lambda: time.monotonic() > asked)
    assert time.monotonic() - started < 6  # not the 60 s of wait_seconds


def test_without_a_stop_an_absent_broker_is_an_error_naming_it() -> None:
    port = closed_port()
    with pytest.raises(RuntimeError, match=f"127.0.0.1:{port} is not reachable"):
        ensure_topics(f"127.0.0.1:{port}", wait_seconds=1)
