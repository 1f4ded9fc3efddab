"""The launcher's pieces without a stack: its restart policy and its signal note
(the launcher itself under signals and crashes: tests/integration/test_launcher.py)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from stack.signals import StopSignals
from stack.supervisor import RestartPolicy, describe_exit


def test_restart_delays_double_from_a_quarter_second_up_to_8_s() -> None:
    policy = RestartPolicy()
    assert [policy.delay(k) for k in range(1, 9)] == [0.25, 0.5, 1, 2, 4, 8, 8, 8]
    assert (policy.limit, policy.window) == (5, 300)


def test_restart_policy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_RESTART_LIMIT", "0")
    monkeypatch.setenv("RAPPORT_RESTART_WINDOW_SECONDS", "60")
    assert (RestartPolicy.from_env().limit, RestartPolicy.from_env().window) == (0, 60)


def test_exits_are_described_by_code_or_signal() -> None:
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(1) == "exit code 1"


@pytest.fixture
def signals() -> Iterator[StopSignals]:
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    installed = StopSignals.install()
    yield installed
    signal.set_wakeup_fd(-1)
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


def test_a_signal_ends_the_wait_at_once_and_is_only_noted(signals: StopSignals) -> None:
    assert not signals.wait(0.05)
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
    started = time.monotonic()
    assert signals.wait(30)
    assert time.monotonic() - started < 5
    os.kill(os.getpid(), signal.SIGINT)  # a second signal changes nothing, raises nothing
    assert signals.wait(0) and signals.name() == "SIGTERM"
