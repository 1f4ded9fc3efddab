"""Ingest handlers: the state change each accepted insight event makes, and what it publishes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rapportkit.envelope import Event, parse_time
from rapportkit.people import person_key
from services.insight.models import ProfileView


def profile_viewed(session: Session, event: Event) -> list[Event]:
    data = event["data"]
    session.add(ProfileView(tenant_id=event["tenantid"], event_id=event["id"], rep_id=data["rep_id"],
                            person_key=person_key(data["person"]), viewed_at=parse_time(event["time"])))
    return [event]


INGEST_HANDLERS = {"rapport.insight.profile.viewed": profile_viewed}
