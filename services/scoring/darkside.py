"""The dark side: patterns that are not social selling, scored as penalties and raised as alerts.

- connect_then_pitch: a pitch to a person within `pitch_window_hours` of their connection being
  accepted ("connect, then immediately pitch" — seed 002).
- spam_pattern: at least `spam_min_outbound` outbound messages in the window with a reply rate
  (conversations answered / conversations written in) below `spam_max_reply_rate`.
- mass_message: the same text to at least `mass_min_recipients` people in one day.
- intrusive_outreach: at least `intrusive_min_touches` social touches in the window, of which at
  least `intrusive_min_share` go to stakeholders of `low_status_large_centre` accounts (seed 001:
  there social media use lowers loyalty).
Each finding carries its evidence; penalty per occurrence and caps are in settings.PENALTIES.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.scoring import facts as F
from services.scoring.facts import Context, Fact
from services.scoring.settings import PENALTIES, PENALTY_CAPS, ScoringSettings


@dataclass(frozen=True)
class Finding:
    """One pattern in a window: its penalty, and each occurrence (a stable key and its evidence),
    so an occurrence raises one alert however many later windows still contain it."""

    kind: str
    count: int
    penalty: float
    occurrences: tuple[tuple[str, dict[str, Any]], ...]


def _finding(kind: str, occurrences: list[tuple[str, dict[str, Any]]]) -> Finding:
    count = len(occurrences)
    return Finding(kind, count, min(PENALTY_CAPS[kind], PENALTIES[kind] * count), tuple(occurrences))


def detect(window: list[Fact], ctx: Context, day: date, settings: ScoringSettings) -> list[Finding]:
    findings: list[Finding] = []
    pitches = []
    for f in window:
        if f.kind == F.MSG_OUT and f.flag and f.person in ctx.accepted_at:
            minutes = (f.at - ctx.accepted_at[f.person]).total_seconds() / 60
            if 0 <= minutes <= settings.pitch_window_hours * 60:
                pitches.append((f"{f.person}|{f.at.isoformat()}", {
                    "person": f.person, "conversation_id": f.ref, "pitched_at": f.at.isoformat(),
                    "accepted_at": ctx.accepted_at[f.person].isoformat(), "minutes_after_acceptance": round(minutes, 1),
                    "pitch_window_hours": settings.pitch_window_hours}))
    if pitches:
        findings.append(_finding("connect_then_pitch", pitches))

    outbound = [f for f in window if f.kind == F.MSG_OUT]
    out_convs = {f.ref for f in outbound if f.ref}
    answered = out_convs & {f.ref for f in window if f.kind == F.MSG_IN}
    reply_rate = len(answered) / len(out_convs) if out_convs else 0.0
    if len(outbound) >= settings.spam_min_outbound and reply_rate < settings.spam_max_reply_rate:
        week = "{}-W{:02d}".format(*day.isocalendar()[:2])
        findings.append(_finding("spam_pattern", [(week, {
            "outbound_messages": len(outbound), "conversations": len(out_convs), "answered": len(answered),
            "reply_rate": round(reply_rate, 4), "window_days": settings.window_days, "day": day.isoformat()})]))

    by_text: dict[tuple[date, str], set[str]] = defaultdict(set)
    for f in outbound:
        if f.detail and f.person:
            by_text[(f.at.date(), f.detail)].add(f.person)
    masses = [(f"{d.isoformat()}|{h}", {"day": d.isoformat(), "text_hash": h, "recipients": len(people),
                                         "people": sorted(people)[:50]})
              for (d, h), people in sorted(by_text.items()) if len(people) >= settings.mass_min_recipients]
    if masses:
        findings.append(_finding("mass_message", masses))

    touches = [f for f in window if f.kind in F.SOCIAL_TOUCHES and f.person]
    low_large = [f for f in touches if f.person in ctx.stakeholders
                 and ctx.quadrants.get(ctx.stakeholders[f.person].account_id) == "low_status_large_centre"]
    if len(touches) >= settings.intrusive_min_touches and len(low_large) / len(touches) >= settings.intrusive_min_share:
        accounts = sorted({ctx.stakeholders[f.person].account_id for f in low_large if f.person})
        week = "{}-W{:02d}".format(*day.isocalendar()[:2])
        findings.append(_finding("intrusive_outreach", [(week, {
            "touches": len(touches), "on_low_status_large_centre": len(low_large),
            "share": round(len(low_large) / len(touches), 4), "accounts": accounts[:20], "day": day.isoformat()})]))
    return findings
