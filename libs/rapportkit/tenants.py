"""Tenant deletion in a service's own database (docs/privacy.md, "Tenant deletion").

`delete_tenant` deletes every row of a tenant from every table of the service's metadata and from
the platform tables (outbox, inbox), found by their `tenant_id` column: no hand list of tables, so
a table added later is reached too, and a table without `tenant_id` is refused (a unit test checks
that every table of every service has one). The deletion's own records stay: the inbox and outbox
rows of the `privacy.tenant_deletion.*` events (ids and the tenant id, no personal data), so a
redelivered request is recognised and its completion is published once.

`tenant_deletion_handler(service, metadata)` is the consumer handler every service registers for
`privacy.tenant_deletion.requested`: delete, forget the tenant's keys, publish the completion.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime

from sqlalchemy import MetaData, Table, delete
from sqlalchemy.orm import Session

from rapportkit import outbox
from rapportkit.db import Base as PlatformBase
from rapportkit.envelope import Event, new_event

REQUESTED = "rapport.privacy.tenant_deletion.requested"
COMPLETED = "rapport.privacy.tenant_deletion.completed"
RECORDS = (REQUESTED, COMPLETED)  # the deletion's own events, kept in the inbox and outbox


def tables_of(*metadata: MetaData) -> list[Table]:
    """The tables of `metadata` and the platform tables, children before parents."""
    tables: dict[str, Table] = {}
    for md in (*metadata, PlatformBase.metadata):
        for table in md.sorted_tables:
            tables.setdefault(table.name, table)
    return list(reversed(list(tables.values())))


def delete_tenant(session: Session, tenant_id: str, *metadata: MetaData, keep: Collection[str] = ()) -> dict[str, int]:
    """Delete every row of `tenant_id` in the caller's transaction, but in the tables named in `keep`
    (the gateway's record of the deletion); rows deleted by table."""
    tables = [t for t in tables_of(*metadata) if t.name not in keep]
    unscoped = [t.name for t in tables if "tenant_id" not in t.c]
    if unscoped:  # refused before anything is deleted
        raise ValueError(f"tables without a tenant_id column, which a tenant deletion cannot reach: {unscoped}")
    deleted: dict[str, int] = {}
    for table in tables:
        stmt = delete(table).where(table.c.tenant_id == tenant_id)
        if "event_type" in table.c and table.name in ("inbox", "outbox"):
            stmt = stmt.where(table.c.event_type.not_in(RECORDS))
        deleted[table.name] = int(getattr(session.execute(stmt), "rowcount", 0) or 0)
    return deleted


def deletion_completed(request: Event, *, service: str) -> Event:
    """`privacy.tenant_deletion.completed` for `request` by `service` (id derived from the request's)."""
    data = request["data"]
    return new_event(
        type=COMPLETED, tenant_id=request["tenantid"], source=f"rapport/{service}",
        id=f"tenant-deletion-completed-{service}-{request['id']}", time=datetime.now(UTC),
        subject=data["request_id"], data={"request_id": data["request_id"], "tenant_id": data["tenant_id"],
                                          "service": service})


def tenant_deletion_handler(service: str, *metadata: MetaData) -> Callable[[Session, Event], None]:
    """The handler of `privacy.tenant_deletion.requested` for `service` (whose tables are `metadata`)."""

    def handle(session: Session, event: Event) -> None:
        tenant_id = event["tenantid"]
        if event["data"]["tenant_id"] != tenant_id:
            raise ValueError(f"a deletion of tenant {event['data']['tenant_id']!r} published under {tenant_id!r}")
        delete_tenant(session, tenant_id, *metadata)
        outbox.add(session, deletion_completed(event, service=service))

    return handle
