"""The social selling score: four pillars of 0–25 built from named, saturating factors.

Formula version `FORMULA_VERSION`. For a rep and a day D, the window is the `window_days` days
ending with D (default 30). Every factor has a raw value, a saturation in [0, 1], a weight, and a
contribution = weight × saturation, rounded to 2 decimals; a pillar is the sum of its
contributions, the total the sum of the pillars. Counts saturate as `x / (x + half)` (half of
the weight at `half`), so volume alone cannot max a pillar; ratios are multiplied by the
confidence `n / (n + half)` of the volume behind them. The dark side (see `darkside.py`)
subtracts from the connect pillar, never below 0. docs/scoring.md explains every factor with a
worked example that tests/unit/test_scoring_model.py checks to the last decimal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from services.scoring import facts as F
from services.scoring.darkside import Finding, detect
from services.scoring.facts import Context, Fact
from services.scoring.settings import ScoringSettings

FORMULA_VERSION = "1.0"
PILLARS = ("insight", "connect", "engage", "brand")
NAMED_ROLES = 6  # decision_maker, economic_buyer, champion, influencer, user, gatekeeper


@dataclass(frozen=True)
class FactorSpec:
    pillar: str
    name: str
    weight: float
    half: float  # volume at which a count reaches half its weight (or a ratio's confidence is 0.5)
    explains: str


FACTORS: tuple[FactorSpec, ...] = (
    FactorSpec("insight", "research_actions", 8, 10, "profile views, account notes and follows, each weighted "
               "by its account's ICP fit (1 where unknown)"),
    FactorSpec("insight", "buying_centre_mapped", 9, 0, "mean share of the 6 buying-centre roles mapped, "
               "over the accounts the rep worked in the window"),
    FactorSpec("insight", "signals_followed_up", 8, 5, "signals acted on, 1 within 24 h, 0.5 within 72 h, "
               "0.25 later"),
    FactorSpec("connect", "target_connections", 7, 5, "accepted connections with known stakeholders"),
    FactorSpec("connect", "acceptance_rate", 4, 5, "accepted / sent connection requests"),
    FactorSpec("connect", "buying_centre_coverage", 5, 2, "sum over accounts of the share of the buying "
               "centre connected (all time)"),
    FactorSpec("connect", "two_way_conversations", 5, 5, "conversations with messages both ways"),
    FactorSpec("connect", "reply_rate", 2, 5, "conversations the rep wrote in that got a reply"),
    FactorSpec("connect", "meetings", 2, 2, "meetings booked (online → offline)"),
    FactorSpec("engage", "content_shared", 6, 8, "own posts published and items shared"),
    FactorSpec("engage", "stakeholder_engagement", 9, 5, "engagement from known stakeholders, weighted by "
               "kind (view 0.2, like/click 0.5, download 0.8, comment/share 1)"),
    FactorSpec("engage", "content_conversations", 5, 3, "people who engaged with the rep's content and "
               "then conversed within 14 days"),
    FactorSpec("engage", "advocacy", 5, 5, "shares of company content"),
    FactorSpec("brand", "inbound_requests", 6, 5, "connection requests received"),
    FactorSpec("brand", "buyer_initiated_conversations", 5, 5, "conversations the other person started"),
    FactorSpec("brand", "content_reach", 7, 50, "engagement with the rep's content from anyone, weighted "
               "by kind"),
    FactorSpec("brand", "network_growth", 4, 20, "connections accepted"),
    FactorSpec("brand", "endorsements", 3, 5, "endorsements, and recommendations counted 3 each"),
)


@dataclass(frozen=True)
class FactorValue:
    pillar: str
    name: str
    raw: float
    saturation: float
    weight: float
    contribution: float

    def as_dict(self) -> dict[str, object]:
        return {"pillar": self.pillar, "name": self.name, "raw": self.raw, "saturation": self.saturation,
                "weight": self.weight, "contribution": self.contribution}


@dataclass
class Score:
    day: date
    total: float
    pillars: dict[str, float]
    factors: list[FactorValue]
    findings: list[Finding] = field(default_factory=list)
    formula_version: str = FORMULA_VERSION


def saturate(count: float, half: float) -> float:
    return count / (count + half) if count > 0 else 0.0


def in_window(items: Sequence[Fact], day: date, window_days: int) -> list[Fact]:
    start = day - timedelta(days=window_days - 1)
    return [f for f in items if start <= f.at.date() <= day]


def _raw_values(window: list[Fact], ctx: Context, day: date) -> dict[str, tuple[float, float | None]]:
    """Raw value per factor, and for ratio factors the volume behind the ratio."""
    by_kind: dict[str, list[Fact]] = defaultdict(list)
    for f in window:
        by_kind[f.kind].append(f)
    out_convs = {f.ref for f in by_kind[F.MSG_OUT] if f.ref}
    in_convs = {f.ref for f in by_kind[F.MSG_IN] if f.ref}
    first_msg: dict[str, Fact] = {}
    for f in sorted(by_kind[F.MSG_OUT] + by_kind[F.MSG_IN], key=lambda x: x.at):
        if f.ref and f.ref not in first_msg:
            first_msg[f.ref] = f
    worked_accounts = {f.account_id for f in window if f.account_id} | {
        ctx.stakeholders[f.person].account_id for f in window if f.person in ctx.stakeholders}
    mapped = [min(1.0, len(set(ctx.centre_roles.get(a, {}).values()) - {"unknown"}) / NAMED_ROLES)
              for a in sorted(worked_accounts)]
    signal_credit = 0.0
    for f in by_kind[F.SIGNAL_ACTIONED]:
        captured = ctx.signal_captured_at.get(f.ref or "")
        hours = (f.at - captured).total_seconds() / 3600 if captured else None
        signal_credit += 1.0 if hours is not None and hours <= 24 else 0.5 if hours is not None and hours <= 72 \
            else 0.25
    accepted = {f.person for f in by_kind[F.CONN_ACCEPTED] if f.person}
    requested = {f.person for f in by_kind[F.CONN_REQUEST_OUT] if f.person}
    connected_all = {p for p, at in ctx.accepted_at.items() if at.date() <= day}
    coverage = sum(len(connected_all & set(people)) / len(people)
                   for people in ctx.centre_roles.values() if people)
    engaged_at: dict[str, datetime] = {}
    for f in by_kind[F.ENGAGEMENT_RECEIVED]:
        if f.person and (f.person not in engaged_at or f.at < engaged_at[f.person]):
            engaged_at[f.person] = f.at
    conversed = {f.person for f in by_kind[F.MSG_IN] + by_kind[F.MSG_OUT]
                 if f.person in engaged_at and timedelta(0) <= f.at - engaged_at[f.person] <= timedelta(days=14)}
    weight = F.ENGAGEMENT_WEIGHTS

    def fit_of(f: Fact) -> float:
        """Research counts as far as its account fits the ICP; 1 where no fit is known."""
        account = f.account_id or (ctx.stakeholders[f.person].account_id if f.person in ctx.stakeholders else None)
        return ctx.icp_fit.get(account, 1.0) if account else 1.0

    research = by_kind[F.PROFILE_VIEW] + by_kind[F.NOTE] + by_kind[F.ACCOUNT_FOLLOW]
    return {
        "research_actions": (round(sum(fit_of(f) for f in research), 4), None),
        "buying_centre_mapped": (round(sum(mapped) / len(mapped), 4) if mapped else 0.0, None),
        "signals_followed_up": (signal_credit, None),
        "target_connections": (len({p for p in accepted if p in ctx.stakeholders}), None),
        # an acceptance with no recorded request (imports) counts as requested too, so one more
        # accepted connection never lowers the rate
        "acceptance_rate": (round(len(accepted) / len(requested | accepted), 4) if requested | accepted else 0.0,
                            len(requested | accepted)),
        "buying_centre_coverage": (round(coverage, 4), None),
        "two_way_conversations": (len(out_convs & in_convs), None),
        "reply_rate": (round(len(out_convs & in_convs) / len(out_convs), 4) if out_convs else 0.0, len(out_convs)),
        "meetings": (len({f.ref for f in by_kind[F.MEETING_BOOKED]}), None),
        "content_shared": (len(by_kind[F.CONTENT_PUBLISHED]) + len(by_kind[F.CONTENT_SHARED]), None),
        "stakeholder_engagement": (round(sum(weight.get(f.detail or "", 0.5) for f in by_kind[F.ENGAGEMENT_RECEIVED]
                                             if f.person in ctx.stakeholders), 4), None),
        "content_conversations": (len(conversed), None),
        "advocacy": (len([f for f in by_kind[F.CONTENT_SHARED] if f.flag]), None),
        "inbound_requests": (len(by_kind[F.CONN_REQUEST_IN]), None),
        "buyer_initiated_conversations": (len([c for c, f in first_msg.items() if f.kind == F.MSG_IN]), None),
        "content_reach": (round(sum(weight.get(f.detail or "", 0.5) for f in by_kind[F.ENGAGEMENT_RECEIVED]), 4),
                          None),
        "network_growth": (len(accepted), None),
        "endorsements": (len(by_kind[F.ENDORSEMENT]) + 3 * len(by_kind[F.RECOMMENDATION]), None),
    }


def compute(facts: Sequence[Fact], ctx: Context, day: date, settings: ScoringSettings) -> Score:
    """The score of `day` from the rep's facts (any range; the window is applied here)."""
    window = in_window(facts, day, settings.window_days)
    raws = _raw_values(window, ctx, day)
    values: list[FactorValue] = []
    for spec in FACTORS:
        raw, volume = raws[spec.name]
        weight = settings.weights.get(spec.name, spec.weight)
        if volume is not None:  # a ratio, trusted as far as the volume behind it
            saturation = raw * saturate(volume, spec.half)
        elif spec.half == 0:  # already a share in [0, 1]
            saturation = min(1.0, raw)
        else:
            saturation = saturate(raw, spec.half)
        values.append(FactorValue(spec.pillar, spec.name, raw, round(saturation, 4), weight,
                                  round(weight * saturation, 2)))
    findings = detect(window, ctx, day, settings)
    available = sum(v.contribution for v in values if v.pillar == "connect")
    for finding in findings:
        cut = round(min(finding.penalty, available), 2)
        available = round(available - cut, 2)
        values.append(FactorValue("connect", f"penalty_{finding.kind}", finding.count, 1.0, -finding.penalty,
                                  -cut if cut else 0.0))
    pillars = {p: round(sum(v.contribution for v in values if v.pillar == p), 2) for p in PILLARS}
    return Score(day=day, total=round(sum(pillars.values()), 2), pillars=pillars, factors=values, findings=findings)
