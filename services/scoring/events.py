"""Consumer handlers of the scoring service (walking skeleton: count activity per rep, day, pillar)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rapportkit.catalog import EVENT_TYPES
from rapportkit.consumer import Handler
from rapportkit.db import dialect_insert, table_of
from rapportkit.envelope import Event, parse_time
from services.scoring.models import RepActivityDay

PILLAR_OF_DOMAIN = {"insight": "insight", "network": "connect", "content": "engage"}


def count_activity(session: Session, event: Event) -> None:
    rep_id = event["data"].get("rep_id")
    pillar = PILLAR_OF_DOMAIN.get(EVENT_TYPES[event["type"]].domain)
    if not rep_id or pillar is None:
        return
    table = table_of(RepActivityDay)
    day = parse_time(event["time"]).date()
    stmt = dialect_insert(session)(table).values(tenant_id=event["tenantid"], rep_id=rep_id, day=day,
                                                 pillar=pillar, events=1)
    session.execute(stmt.on_conflict_do_update(index_elements=["tenant_id", "rep_id", "day", "pillar"],
                                               set_={"events": table.c.events + 1}))


HANDLERS: dict[str, list[Handler]] = {
    t: [count_activity] for t, et in EVENT_TYPES.items() if et.domain in PILLAR_OF_DOMAIN
}
