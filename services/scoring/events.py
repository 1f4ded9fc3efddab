"""Consumer handlers of the scoring service (walking skeleton: count activity per rep, day, pillar)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rapportkit.catalog import EVENT_TYPES
from rapportkit.consumer import Handler
from rapportkit.envelope import Event, parse_time
from services.scoring.models import RepActivityDay

PILLAR_OF_DOMAIN = {"insight": "insight", "network": "connect", "content": "engage"}


def count_activity(session: Session, event: Event) -> None:
    rep_id = event["data"].get("rep_id")
    pillar = PILLAR_OF_DOMAIN.get(EVENT_TYPES[event["type"]].domain)
    if not rep_id or pillar is None:
        return
    key = (event["tenantid"], rep_id, parse_time(event["time"]).date(), pillar)
    row = session.get(RepActivityDay, key)
    if row is None:
        row = RepActivityDay(tenant_id=key[0], rep_id=key[1], day=key[2], pillar=key[3], events=0)
        session.add(row)
    row.events += 1


HANDLERS: dict[str, list[Handler]] = {
    t: [count_activity] for t, et in EVENT_TYPES.items() if et.domain in PILLAR_OF_DOMAIN
}
