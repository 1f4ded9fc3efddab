"""People known by name, merged into their strong identity when a service meets them with a URL or
e-mail (docs/architecture.md, "People known by name").

A service keeps an alias table (primary key `tenant_id, weak_key`; `strong_key`, `ambiguous`):
every event it accepts whose person has a strong key (profile URL, else e-mail) and a name teaches
it that the person's weak keys (`people.weak_keys`: name and company, and the name alone) are that
strong key. A weak key seen with
two different strong keys is ambiguous (two people of that name): its row keeps `strong_key` NULL
and it is never merged. Nothing is re-keyed in place: the reads resolve the weak keys of the rows
they load (`resolve`) and fold the rows of one person together, so an alias learnt later (a newer
export, a stakeholder record) merges what an older import stored, and a key later found ambiguous
is simply no longer merged.

A weak key with a company is merged only with a person seen with that same name and company; a
person who changed company between two exports stays two people (kept apart rather than risk
merging two people of one name).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Boolean, Index, String, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from rapportkit.db import among, insert_many, table_of
from rapportkit.envelope import Event
from rapportkit.ingest import batch_of
from rapportkit.people import is_weak, strong_key, weak_keys


class PersonAliasColumns:
    """The columns of a service's alias table (mix into a model of the service's own Base; the
    migration is `platform_tables.create_person_alias_v1`): a weak key and the strong key of the
    person of that name, NULL when two people of that name were seen."""

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    weak_key: Mapped[str] = mapped_column(String(2000), primary_key=True)
    strong_key: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    ambiguous: Mapped[bool] = mapped_column(Boolean, default=False)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index]:  # noqa: N805 (SQLAlchemy passes the class)
        return (Index(f"ix_{cls.__tablename__}_strong", "tenant_id", "strong_key"),)  # type: ignore[attr-defined]


def pairs_of(people: Iterable[tuple[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """(tenant, weak key) → the strong keys seen for it, from (tenant, person dict) pairs."""
    found: dict[tuple[str, str], set[str]] = {}
    for tenant, person in people:
        if not isinstance(person, dict):
            continue
        strong = strong_key(person)
        if strong:
            for weak in weak_keys(person):
                found.setdefault((tenant, weak), set()).add(strong)
    return found


def learn(session: Session, model: type[PersonAliasColumns],
          people: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    """Record the aliases the people teach, in the caller's transaction (one query and one insert
    per 500 weak keys); a weak key met with a second strong key becomes ambiguous. Returns the
    (tenant, weak key) pairs whose meaning changed: new, or now ambiguous."""
    found = pairs_of(people)
    changed: list[tuple[str, str]] = []
    if not found:
        return changed
    keys = sorted(found)
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        by_tenant: dict[str, list[str]] = {}
        for tenant, weak in chunk:
            by_tenant.setdefault(tenant, []).append(weak)
        known: dict[tuple[str, str], PersonAliasColumns] = {}
        for tenant, weaks in by_tenant.items():
            for stored in session.scalars(select(model).where(
                    model.tenant_id == tenant, among(session, model.weak_key, weaks)).with_for_update()):
                known[(stored.tenant_id, stored.weak_key)] = stored
        new: list[dict[str, Any]] = []
        for key in chunk:
            strongs = found[key]
            row = known.get(key)
            if row is None:
                new.append({"tenant_id": key[0], "weak_key": key[1],
                            "strong_key": next(iter(strongs)) if len(strongs) == 1 else None,
                            "ambiguous": len(strongs) > 1})
            elif not row.ambiguous and strongs != {row.strong_key}:
                row.strong_key, row.ambiguous = None, True
                changed.append(key)
        inserted = insert_many(session, table_of(cast(Any, model)), new, conflict=["tenant_id", "weak_key"],
                               returning=("tenant_id", "weak_key"))
        changed += [(tenant, weak) for tenant, weak in inserted]
    return changed


LEARNT = "rapport.aliases_learnt"  # Session.info: this ingest request's aliases are recorded


def learn_from_request(session: Session, model: type[PersonAliasColumns], event: Event) -> None:
    """For an ingest handler: once per request, the aliases taught by the people (`data.person`) of
    all the request's events (one round of statements instead of one per event)."""
    if session.info.get(LEARNT):
        return
    session.info[LEARNT] = True
    with session.no_autoflush:
        learn(session, model, ((e["tenantid"], (e.get("data") or {}).get("person"))
                               for e in batch_of(session) or [event]))


PENDING = "rapport.aliases_pending"  # Session.info: model → (tenant, person) pairs to learn before commit


def learn_at_commit(session: Session, model: type[PersonAliasColumns], tenant_id: str, person: Any) -> None:
    """For a consumer handler: the aliases `person` teaches, recorded with those of every other event
    of the transaction in one `learn` just before it commits. A `learn` per event would lock alias
    rows in event order and deadlock with an ingest request locking them in key order."""
    session.info.setdefault(PENDING, {}).setdefault(model, []).append((tenant_id, person))


@sa_event.listens_for(Session, "before_commit")
def _learn_pending(session: Session) -> None:
    for model, people in (session.info.pop(PENDING, None) or {}).items():
        learn(session, model, people)


def resolve(session: Session, model: type[PersonAliasColumns], tenant_id: str, keys: Iterable[str]) -> dict[str, str]:
    """Weak key → strong key for the weak keys among `keys` that have an unambiguous alias."""
    weaks = sorted({key for key in keys if key and is_weak(key)})
    found: dict[str, str] = {}
    for start in range(0, len(weaks), 500):
        found.update((weak, strong) for weak, strong in session.execute(select(model.weak_key, model.strong_key).where(
            model.tenant_id == tenant_id, among(session, model.weak_key, weaks[start:start + 500]))) if strong)
    return found


def weak_of(session: Session, model: type[PersonAliasColumns], tenant_id: str, strong: Iterable[str]) -> dict[str, str]:
    """Weak key → strong key for every unambiguous alias of the `strong` keys (to find rows other
    services stored under the weak key)."""
    keys = sorted(set(strong))
    found: dict[str, str] = {}
    for start in range(0, len(keys), 500):
        found.update((weak, strong) for weak, strong in session.execute(select(model.weak_key, model.strong_key).where(
            model.tenant_id == tenant_id, among(session, model.strong_key, keys[start:start + 500]))) if strong)
    return found
