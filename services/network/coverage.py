"""Buying-centre coverage (pure, no I/O). Definitions are in docs/network.md.

For one rep and one account, over the account's **active** stakeholders (identified and not
departed, as the insight service's events say):

* ``connected``: stakeholders whose connection with the rep is accepted;
* ``contacted``: stakeholders the rep exchanged at least one message with (either direction);
* ``two_way``: stakeholders in two-way conversation with the rep (in one conversation the rep
  wrote to them and they wrote back);
* ``share_connected`` / ``share_two_way``: those counts / active stakeholders;
* ``by_role``: the same counts per role, so a rep sees which part of the buying centre is missing.

Accounts listed for a rep: those where the rep touched at least one active stakeholder (any
connection state, a message or a meeting) or booked a meeting with the account.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from services.network.connections import ratio


@dataclass(frozen=True)
class Stakeholder:
    stakeholder_id: str
    account_id: str
    person: str | None
    role: str


@dataclass(frozen=True)
class AccountInfo:
    name: str | None = None
    tier: str | None = None


def _counts(members: list[Stakeholder], connected: set[str], contacted: set[str],
            two_way: set[str]) -> dict[str, int]:
    def count(people: set[str]) -> int:
        return sum(1 for s in members if s.person is not None and s.person in people)
    return {"stakeholders": len(members), "connected": count(connected), "contacted": count(contacted),
            "two_way": count(two_way)}


def coverage(stakeholders: list[Stakeholder], *, accounts: dict[str, AccountInfo], connected: set[str],
             contacted: set[str], two_way: set[str]) -> list[dict[str, object]]:
    """One entry per account of `stakeholders` (all active), ordered by account id."""
    by_account: dict[str, list[Stakeholder]] = defaultdict(list)
    for s in stakeholders:
        by_account[s.account_id].append(s)
    for account_id in accounts:
        by_account.setdefault(account_id, [])
    result: list[dict[str, object]] = []
    for account_id in sorted(by_account):
        members = by_account[account_id]
        info = accounts.get(account_id, AccountInfo())
        totals = _counts(members, connected, contacted, two_way)
        roles: dict[str, list[Stakeholder]] = defaultdict(list)
        for s in members:
            roles[s.role].append(s)
        result.append({
            "account_id": account_id, "name": info.name, "tier": info.tier, **totals,
            "share_connected": ratio(totals["connected"], totals["stakeholders"]),
            "share_two_way": ratio(totals["two_way"], totals["stakeholders"]),
            "by_role": {role: _counts(roles[role], connected, contacted, two_way) for role in sorted(roles)},
        })
    return result
