"""`make run`'s launcher (`python -m stack.run`) under signals and crashes.

Signals: each round starts the launcher on a fresh data directory and sends it SIGINT or SIGTERM at
a random moment: during start, during the demo load, or while it idles; in some rounds a second
signal follows while it stops (an impatient Ctrl-C Ctrl-C). Within 30 s of the first signal the
launcher and everything it started must be gone: no live process left in its session
(tests/integration/launcher.py). RAPPORT_LIFECYCLE_ROUNDS rounds (2 by default, 50 in
`make lifecycle`); RAPPORT_LIFECYCLE_SEED replays the moments of a failed run (it is in the message).

Most rounds point the launcher at a broker this module starts (KAFKA_BOOTSTRAP_SERVERS, like a user
with a broker of their own; the launcher must leave it running); every fifth round, the first
included, lets the launcher start and stop its own. Both brokers have ports of their own
(RAPPORT_KAFKA_PORT + 2 and + 4, their controllers + 3 and + 5), not the session broker's, so the
launcher's demo data never reaches the session stack's consumers. The launcher's gateway is on
RAPPORT_LIFECYCLE_GATEWAY_PORT (default RAPPORT_TEST_GATEWAY_PORT + 100), its services on the
next 14 ports.

Supervisor: a SIGKILLed worker is back and healthy within 10 s; a process that keeps exiting makes
the launcher give up, stop everything and exit 1 with a message naming it.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from stack import infra
from stack.processes import SERVICES
from tests.integration.helpers import eventually, kafka_ports
from tests.integration.launcher import Launcher

ROUNDS = int(os.environ.get("RAPPORT_LIFECYCLE_ROUNDS", "2"))
SEED = os.environ.get("RAPPORT_LIFECYCLE_SEED") or secrets.token_hex(4)
GATEWAY = int(os.environ.get("RAPPORT_LIFECYCLE_GATEWAY_PORT",
                             int(os.environ.get("RAPPORT_TEST_GATEWAY_PORT", "18080")) + 100))
SHARED_KAFKA = int(os.environ["RAPPORT_KAFKA_PORT"]) + 2  # tests/conftest.py sets RAPPORT_KAFKA_PORT
OWN_KAFKA = SHARED_KAFKA + 2
STOP_WITHIN = 30.0
UP = "Rapport is up."


def kafka_env(port: int) -> dict[str, str]:
    return {"RAPPORT_KAFKA_PORT": str(port), "RAPPORT_KAFKA_CONTROLLER_PORT": str(port + 1)}


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def broker() -> Iterator[str]:
    """A broker the launcher did not start (most rounds point it here)."""
    with kafka_ports(SHARED_KAFKA):
        try:
            bootstrap = infra.start_kafka()
        except infra.InfraError as exc:
            pytest.fail(f"the real Kafka broker could not be started: {exc}")
    yield bootstrap
    with kafka_ports(SHARED_KAFKA):
        infra.stop_kafka()


def launcher_env(data_dir: Path, **more: str) -> dict[str, str]:
    """The embedded default on ports and a data directory of the test's own ("" unsets a variable)."""
    env = {"RAPPORT_DATA_DIR": str(data_dir), "RAPPORT_GATEWAY_PORT": str(GATEWAY),
           "RAPPORT_SERVICE_BASE_PORT": str(GATEWAY), "RAPPORT_BOOTSTRAP_TOKEN": "", "KAFKA_BOOTSTRAP_SERVERS": "",
           "RAPPORT_DEMO": "1", **{f"{s.upper()}_DATABASE_URL": "" for s in (*SERVICES, "gateway")}}
    return {**env, **more}


def reach(launcher: Launcher, phase: str, rng: random.Random) -> bool:
    """Wait for a random moment of `phase`; False if the launcher never got there."""
    if phase == "start":  # anywhere from the imports to the last process's start
        deadline = time.monotonic() + rng.uniform(0, 20)
        while time.monotonic() < deadline and launcher.popen.poll() is None:
            time.sleep(0.05)
    elif phase == "demo":
        if not launcher.wait_for("loading the demo data set", 240):
            return False
        time.sleep(rng.uniform(0, 3))
    else:
        if not launcher.wait_for(UP, 240):
            return False
        time.sleep(rng.uniform(0, 2))
    return launcher.popen.poll() is None


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_signal_at_any_moment_stops_everything_the_launcher_started(round_: int, broker: str,
                                                                       tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}-{round_}")
    own = round_ % 5 == 0
    phase = ("start", "demo", "idle")[round_ % 3]
    first = (signal.SIGINT, signal.SIGTERM)[round_ % 2]
    second = rng.choice((signal.SIGINT, signal.SIGTERM)) if rng.random() < 0.3 else None
    story = (f"round {round_} (RAPPORT_LIFECYCLE_SEED={SEED}): {first.name}{f' then {second.name}' if second else ''}"
             f" during {phase}, {'its own' if own else 'an existing'} broker")
    more = kafka_env(OWN_KAFKA) if own else {"KAFKA_BOOTSTRAP_SERVERS": broker}
    launcher = Launcher.start(launcher_env(tmp_path, **more, RAPPORT_DEMO="0" if phase == "idle" else "1"))
    try:
        assert reach(launcher, phase, rng), f"{story}: the launcher did not get there:\n{launcher.output()}"
        launcher.signal(first)
        signalled = time.monotonic()
        if second is not None:
            time.sleep(rng.uniform(0, 2))
            launcher.signal(second)
        code, left = launcher.wait_gone(STOP_WITHIN - (time.monotonic() - signalled))
        took = time.monotonic() - signalled
        assert not left, f"{story}: alive {took:.1f} s after the signal: {left}\n{launcher.output()}"
        # 0: stopped in order; -signal: the signal came before the launcher installed its handler
        assert code in (0, -first), f"{story}: exit code {code}\n{launcher.output()}"
        if code == 0:
            assert "Traceback" not in launcher.output(last=10_000), f"{story}:\n{launcher.output()}"
        if not own:
            assert answers(SHARED_KAFKA), f"{story}: the launcher stopped a broker it had not started"
    finally:
        launcher.kill_everything()


def test_a_killed_worker_is_back_within_10_s_and_a_crash_loop_stops_the_stack(broker: str, tmp_path: Path) -> None:
    app, port = "services.scoring.worker:app", GATEWAY + 14  # the scoring worker: base + 10 + 4
    # one restart allowed per 10 minutes: the second SIGKILL is a crash loop
    launcher = Launcher.start(launcher_env(tmp_path, KAFKA_BOOTSTRAP_SERVERS=broker, RAPPORT_DEMO="0",
                                           RAPPORT_RESTART_LIMIT="1", RAPPORT_RESTART_WINDOW_SECONDS="600"))
    try:
        assert launcher.wait_for(UP, 240), launcher.output()
        worker = launcher.process(app)
        os.kill(worker, signal.SIGKILL)
        killed = time.monotonic()
        with httpx.Client(timeout=1) as client:
            def healthy() -> bool | None:
                with contextlib.suppress(httpx.HTTPError):
                    return client.get(f"http://127.0.0.1:{port}/health").status_code == 200 or None
                return None

            eventually(healthy, timeout=10, what="the killed scoring worker healthy again")
            back = time.monotonic() - killed
            assert back <= 10, f"healthy again after {back:.1f} s"
            assert client.get(f"http://127.0.0.1:{port}/metrics").status_code == 200
        restarted = launcher.process(app)
        assert restarted != worker
        assert launcher.wait_for("scoring-worker exited (killed by SIGKILL); starting it again", 1), launcher.output()
        assert launcher.wait_for(f"scoring-worker started again (pid {restarted})", 1), launcher.output()

        os.kill(restarted, signal.SIGKILL)
        code, left = launcher.wait_gone(STOP_WITHIN)
        assert code == 1 and not left, f"exit code {code}, alive: {left}\n{launcher.output()}"
        assert ("scoring-worker exited (killed by SIGKILL) and it exited 2 times within 600 s: giving up"
                in launcher.output()), launcher.output()
    finally:
        launcher.kill_everything()
