"""SIGINT and SIGTERM for the launcher: the handler only notes the signal.

A Python signal handler runs in the main thread between two bytecodes, wherever that thread is,
e.g. inside `threading.Event.wait` holding the Event's lock. The launcher once called `Event.set`
from its handler and so waited for a lock its own thread held: `make run` hung for good on SIGTERM.
Here the handler only stores the signal's number, and `signal.set_wakeup_fd` writes a byte to a
pipe that `wait` selects on, so a wait ends at once when a signal arrives (the self-pipe pattern).
Everything else, stopping the processes included, happens in the main loop.
"""

from __future__ import annotations

import os
import select
import signal
from types import FrameType


class StopSignals:
    """Install with `StopSignals.install()` in the main thread, before starting anything."""

    def __init__(self) -> None:
        self.signum = 0
        self._read, write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(write, False)
        signal.set_wakeup_fd(write, warn_on_full_buffer=False)

    @classmethod
    def install(cls) -> StopSignals:
        signals = cls()
        signal.signal(signal.SIGINT, signals._note)
        signal.signal(signal.SIGTERM, signals._note)
        return signals

    def _note(self, signum: int, _frame: FrameType | None) -> None:
        if not self.signum:
            self.signum = signum

    def is_set(self) -> bool:
        return self.signum != 0

    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum else ""

    def ignore_from_now(self) -> None:
        """Ignore SIGINT and SIGTERM once everything is stopped. At exit the interpreter puts the
        default action back in place of a Python handler, and a late second Ctrl-C would then kill
        the process by signal after a clean stop (seen as exit status -2 instead of 0)."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds, less when a signal arrives; True once one has."""
        if not self.is_set():
            select.select([self._read], [], [], timeout)
            try:
                while os.read(self._read, 512):
                    pass
            except BlockingIOError:
                pass
        return self.is_set()
