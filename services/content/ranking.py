"""The engagement model of the content service, pure (no I/O): who an engager is (attribution to
a stakeholder and account), what counts (de-duplication) and what it weighs (ranking).

See docs/content.md for the rules and a worked example; tests/unit/test_content_ranking.py checks
them with hand-computed numbers.

- **Attribution** is computed on read from the current buying-centre copy, so an engagement made
  before its person was mapped as a stakeholder is attributed as soon as the mapping arrives. A
  person matches a stakeholder by person key or by email. A stakeholder who has departed keeps the
  engagement from before the departure; what they do afterwards is a stranger's.
- **De-duplication**: view, like, click and download are states (a person has viewed the item or
  not), so each counts once per person per item (within the period read). Comments and shares are
  acts of their own and every one is counted, but in the score each person counts once per kind.
- **Score** of an item = Σ over (engager, kind) of kind weight × role weight, where a stranger
  (not a known stakeholder) weighs `stranger`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

from rapportkit.db import utc

KINDS: tuple[str, ...] = ("view", "like", "comment", "share", "click", "download")
ONCE_PER_PERSON = frozenset({"view", "like", "click", "download"})
ROLES: tuple[str, ...] = ("decision_maker", "economic_buyer", "champion", "influencer", "user", "gatekeeper",
                          "unknown")
STRANGER = "stranger"  # the "role" of an engager who is not a known stakeholder
ERASED_PREFIX = "erased:"


@dataclass(frozen=True)
class Weights:
    kind: Mapping[str, float]
    role: Mapping[str, float]
    stranger: float

    def of_kind(self, kind: str) -> float:
        return self.kind.get(kind, 0.0)

    def of_role(self, role: str | None) -> float:
        """The weight of a stakeholder role; None (a stranger) weighs `stranger`."""
        if role is None or role == STRANGER:
            return self.stranger
        return self.role.get(role, self.role["unknown"])

    def as_dict(self) -> dict[str, object]:
        return {"kind": dict(self.kind), "role": dict(self.role), "stranger": self.stranger}


DEFAULT_WEIGHTS = Weights(
    kind=MappingProxyType({"view": 1.0, "like": 2.0, "click": 2.0, "download": 3.0, "share": 5.0,
                           "comment": 6.0}),
    role=MappingProxyType({"decision_maker": 5.0, "economic_buyer": 5.0, "champion": 4.0, "influencer": 3.0,
                           "user": 2.0, "gatekeeper": 2.0, "unknown": 1.5}),
    stranger=0.1,
)


@dataclass(frozen=True)
class Stakeholder:
    stakeholder_id: str
    account_id: str
    role: str
    person_key: str | None = None
    email_key: str | None = None
    name: str | None = None
    title: str | None = None
    seniority: str | None = None
    identified_at: datetime | None = None
    departed_at: datetime | None = None

    @property
    def departed(self) -> bool:
        return self.departed_at is not None and (self.identified_at is None or self.departed_at >= self.identified_at)

    @property
    def anonymous(self) -> bool:
        """Erased (privacy): counted with its role and account, never named."""
        return self.person_key is None or self.person_key.startswith(ERASED_PREFIX)

    def member_at(self, at: datetime) -> bool:
        """Whether engagement at `at` is this stakeholder's (before a departure, or not departed)."""
        return not self.departed or (self.departed_at is not None and at < self.departed_at)


def attribute(at: datetime, candidates: Iterable[Stakeholder]) -> Stakeholder | None:
    """The stakeholder a person's engagement at `at` belongs to, among the stakeholder records that
    share the person's key: one that was a member then (not departed before `at`); among those, the
    latest identified at or before `at` (the person's account at the time), else the earliest
    identified after it (mapped later: the attribution holds retroactively)."""
    members = [s for s in candidates if s.member_at(at)]
    if not members:
        return None
    known_then = [s for s in members if s.identified_at is not None and s.identified_at <= at]
    if known_then:
        return max(known_then, key=lambda s: (s.identified_at or at, s.stakeholder_id))
    far = datetime.max.replace(tzinfo=UTC)
    return min(members, key=lambda s: (s.identified_at or far, s.stakeholder_id))


class StakeholderIndex:
    """Stakeholder records looked up by any key of a person (person key or email)."""

    def __init__(self, stakeholders: Iterable[Stakeholder] = ()):
        self._by_key: dict[str, list[Stakeholder]] = {}
        for s in stakeholders:
            for key in {s.person_key, s.email_key} - {None}:
                self._by_key.setdefault(str(key), []).append(s)

    def candidates(self, *keys: str | None) -> list[Stakeholder]:
        found: dict[str, Stakeholder] = {}
        for key in keys:
            for s in self._by_key.get(key or "", ()):
                found[s.stakeholder_id] = s
        return list(found.values())


@dataclass(frozen=True)
class Touch:
    """One person's engagement of one kind with one item (through one rep's share, when known):
    `events` accepted events between `first_at` and `last_at`."""

    content_id: str
    person_key: str
    kind: str
    events: int
    first_at: datetime
    last_at: datetime
    email_key: str | None = None
    name: str | None = None
    rep_id: str | None = None


@dataclass
class Engager:
    """One person's engagement with one item: a known stakeholder, or a stranger."""

    identity: str  # `stakeholder:<id>` or `person:<key>`
    stakeholder: Stakeholder | None
    name: str | None
    first_at: datetime
    last_at: datetime
    events: dict[str, int] = field(default_factory=dict)  # accepted events per kind

    @property
    def role(self) -> str:
        return self.stakeholder.role if self.stakeholder else STRANGER

    def counted(self, kind: str) -> int:
        n = self.events.get(kind, 0)
        return min(n, 1) if kind in ONCE_PER_PERSON else n

    def score(self, weights: Weights) -> float:
        return sum(weights.of_kind(k) * weights.of_role(self.stakeholder.role if self.stakeholder else None)
                   for k, n in self.events.items() if n > 0)


@dataclass(frozen=True)
class Contribution:
    """A line of an item's score: `people` engagers of one role (or strangers) × one kind."""

    role: str
    kind: str
    people: int
    kind_weight: float
    role_weight: float

    @property
    def points(self) -> float:
        return self.people * self.kind_weight * self.role_weight


@dataclass
class AccountEngagement:
    account_id: str
    stakeholders: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    score: float = 0.0


@dataclass
class ItemEngagement:
    content_id: str
    engagers: list[Engager]
    weights: Weights = DEFAULT_WEIGHTS

    @property
    def by_kind(self) -> dict[str, int]:
        """Counted engagement per kind (views, likes, clicks, downloads: distinct people)."""
        counts = dict.fromkeys(KINDS, 0)
        for e in self.engagers:
            for kind in e.events:
                counts[kind] = counts.get(kind, 0) + e.counted(kind)
        return counts

    @property
    def events_by_kind(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for e in self.engagers:
            for kind, n in e.events.items():
                counts[kind] = counts.get(kind, 0) + n
        return counts

    @property
    def repeats_ignored(self) -> dict[str, int]:
        """Events not counted because the person had already engaged that way (e.g. repeat views)."""
        counted, raw = self.by_kind, self.events_by_kind
        return {k: raw[k] - counted[k] for k in raw if raw[k] > counted[k]}

    @property
    def stakeholders(self) -> list[Engager]:
        return [e for e in self.engagers if e.stakeholder is not None]

    @property
    def strangers(self) -> list[Engager]:
        return [e for e in self.engagers if e.stakeholder is None]

    @property
    def stakeholder_score(self) -> float:
        return sum(e.score(self.weights) for e in self.stakeholders)

    @property
    def other_score(self) -> float:
        return sum(e.score(self.weights) for e in self.strangers)

    @property
    def score(self) -> float:
        return self.stakeholder_score + self.other_score

    @property
    def last_at(self) -> datetime | None:
        return max((e.last_at for e in self.engagers), default=None)

    @property
    def by_account(self) -> dict[str, AccountEngagement]:
        accounts: dict[str, AccountEngagement] = {}
        for e in self.stakeholders:
            assert e.stakeholder is not None
            acc = accounts.setdefault(e.stakeholder.account_id, AccountEngagement(e.stakeholder.account_id))
            acc.stakeholders += 1
            acc.score += e.score(self.weights)
            for kind in e.events:
                acc.by_kind[kind] = acc.by_kind.get(kind, 0) + e.counted(kind)
        return accounts

    @property
    def breakdown(self) -> list[Contribution]:
        """The score as lines (role × kind), highest first; their points add up to `score`."""
        people: dict[tuple[str, str], int] = {}
        for e in self.engagers:
            for kind, n in e.events.items():
                if n > 0:
                    people[(e.role, kind)] = people.get((e.role, kind), 0) + 1
        lines = [Contribution(role=role, kind=kind, people=n, kind_weight=self.weights.of_kind(kind),
                              role_weight=self.weights.of_role(role)) for (role, kind), n in people.items()]
        return sorted(lines, key=lambda c: (-c.points, c.role, c.kind))


def engagement_by_item(touches: Iterable[Touch], index: StakeholderIndex,
                       weights: Weights = DEFAULT_WEIGHTS) -> dict[str, ItemEngagement]:
    """Group touches into items and engagers. A person's touches with an item are attributed
    together, at the time of their first engagement with it; touches of several keys that resolve
    to one stakeholder are one engager."""
    by_person: dict[tuple[str, str], list[Touch]] = {}
    for t in touches:
        by_person.setdefault((t.content_id, t.person_key), []).append(t)
    items: dict[str, dict[str, Engager]] = {}
    for (content_id, person_key), group in by_person.items():
        first = min(utc(t.first_at) for t in group)
        emails = {t.email_key for t in group if t.email_key}
        stakeholder = attribute(first, index.candidates(person_key, *emails))
        identity = f"stakeholder:{stakeholder.stakeholder_id}" if stakeholder else f"person:{person_key}"
        engagers = items.setdefault(content_id, {})
        engager = engagers.get(identity)
        name = next((t.name for t in group if t.name), None)
        if engager is None:
            engager = engagers[identity] = Engager(identity=identity, stakeholder=stakeholder, name=name,
                                                   first_at=first, last_at=max(utc(t.last_at) for t in group))
        else:
            engager.first_at = min(engager.first_at, first)
            engager.last_at = max([engager.last_at, *(utc(t.last_at) for t in group)])
            engager.name = engager.name or name
        for t in group:
            engager.events[t.kind] = engager.events.get(t.kind, 0) + t.events
    return {cid: ItemEngagement(cid, sorted(e.values(), key=lambda x: x.identity), weights)
            for cid, e in items.items()}


def rank_key(content_id: str, engagement: ItemEngagement | None,
             latest_activity: datetime | None) -> tuple[float, int, float, str]:
    """Sort key of `GET /v1/content`: score, then stakeholders engaged, then the latest activity,
    then the id (stable pages)."""
    score = round(engagement.score, 6) if engagement else 0.0
    stakeholders = len(engagement.stakeholders) if engagement else 0
    when = utc(latest_activity).timestamp() if latest_activity else float("-inf")
    return (-score, -stakeholders, -when, content_id)


def rank(entries: Sequence[tuple[str, ItemEngagement | None, datetime | None]]) -> list[str]:
    """Content ids in ranked order."""
    return [cid for cid, *_ in sorted(entries, key=lambda e: rank_key(*e))]
