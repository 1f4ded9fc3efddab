"""How many bulk events a relay may publish now: the pace of the bulk lane.

A live event is published behind whatever its partition already holds, so bulk events are let onto
the topics only while the consumer groups that matter (RAPPORT_BULK_PACE_GROUPS, default the
scoring service's) are less than RAPPORT_BULK_MAX_LAG messages behind. The lag is the groups'
committed offsets against the partitions' end offsets, read from the broker at most every
`refresh_seconds`; bulk events published since the last reading count as lag too.

It fails open: a group that has committed nothing yet (not deployed, or never started) is not
waited for, and when the broker cannot be asked the relay publishes as if there were no pace, so
an import is never stuck behind a missing consumer. docs/architecture.md, "Lanes".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.errors import KafkaError

from rapportkit.kafka import RECONNECT

log = logging.getLogger(__name__)


class BulkPace:
    def __init__(self, bootstrap: str, *, groups: Sequence[str], max_lag: int, refresh_seconds: float = 0.2):
        self.bootstrap = bootstrap.split(",")
        self.groups = [g for g in groups if g]
        self.max_lag = max_lag
        self.refresh_seconds = refresh_seconds
        self._admin: KafkaAdminClient | None = None
        self._offsets: KafkaConsumer | None = None
        self._lag = 0
        self._read_at = float("-inf")

    def room(self) -> int:
        """How many bulk events may be published now."""
        if not self.groups or self.max_lag <= 0:
            return 1 << 30
        if time.monotonic() - self._read_at >= self.refresh_seconds:
            try:
                self._lag = self.lag()
            except (KafkaError, OSError, ValueError) as exc:
                log.warning("cannot read the consumer lag; bulk events go unpaced",
                            extra={"fields": {"error": repr(exc)}})
                self._lag = 0
            self._read_at = time.monotonic()
        return max(0, self.max_lag - self._lag)

    def published(self, count: int) -> None:
        """`count` bulk events went out since the last reading: they are lag until the next one."""
        self._lag += count

    def lag(self) -> int:
        """Messages the slowest of the groups has yet to commit, over the partitions it has committed on."""
        if self._admin is None:
            self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="rapport-pace", **RECONNECT)
            self._offsets = KafkaConsumer(bootstrap_servers=self.bootstrap, client_id="rapport-pace", **RECONNECT)
        assert self._offsets is not None
        worst = 0
        for offsets in self._admin.list_group_offsets(self.groups).values():
            committed = {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
            if not committed:
                continue
            ends = self._offsets.end_offsets(list(committed))
            worst = max(worst, sum(max(0, ends[tp] - offset) for tp, offset in committed.items()))
        return worst

    def close(self) -> None:
        for client in (self._admin, self._offsets):
            if client is not None:
                client.close()
