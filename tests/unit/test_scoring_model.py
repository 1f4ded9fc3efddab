"""The scoring model: the worked example of docs/scoring.md to the last decimal, and its laws."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from services.scoring.facts import (
    CONN_ACCEPTED,
    CONN_REQUEST_IN,
    CONN_REQUEST_OUT,
    CONTENT_PUBLISHED,
    CONTENT_SHARED,
    ENDORSEMENT,
    ENGAGEMENT_RECEIVED,
    MEETING_BOOKED,
    MSG_IN,
    MSG_OUT,
    NOTE,
    PROFILE_VIEW,
    SIGNAL_ACTIONED,
    Context,
    Fact,
    Stakeholder,
)
from services.scoring.model import FACTORS, PILLARS, compute
from services.scoring.settings import ScoringSettings

DAY = date(2026, 3, 10)
ANA, BEN, CY, DEE = (f"linkedin.com/in/{n}" for n in ("ana", "ben", "cy", "dee"))


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


def worked_example() -> tuple[list[Fact], Context]:
    """The example of docs/scoring.md "Worked example"."""
    ctx = Context(
        stakeholders={ANA: Stakeholder("acme", "decision_maker"), BEN: Stakeholder("acme", "champion"),
                      CY: Stakeholder("acme", "user")},
        centre_roles={"acme": {ANA: "decision_maker", BEN: "champion", CY: "user", DEE: "economic_buyer"}},
        quadrants={"acme": "high_status_large_centre"},
        accepted_at={ANA: at(2), BEN: at(3)},
        signal_captured_at={"sig-1": at(4, 8)},
    )
    facts = [
        Fact(PROFILE_VIEW, at(1), person=ANA),
        Fact(NOTE, at(1, 11), account_id="acme"),
        Fact(CONN_REQUEST_OUT, at(1, 12), person=ANA),
        Fact(CONN_REQUEST_OUT, at(1, 12), person=BEN),
        Fact(CONN_REQUEST_OUT, at(1, 12), person="linkedin.com/in/zed"),
        Fact(CONN_ACCEPTED, at(2), person=ANA),
        Fact(CONN_ACCEPTED, at(3), person=BEN),
        Fact(MSG_OUT, at(3, 10), person=BEN, ref="c2", flag=True, detail="h2"),  # a pitch at acceptance
        Fact(SIGNAL_ACTIONED, at(4, 20), ref="sig-1"),
        Fact(MSG_OUT, at(5), person=ANA, ref="c1", detail="h1"),
        Fact(MSG_IN, at(5, 14), person=ANA, ref="c1"),
        Fact(MSG_IN, at(6), person=BEN, ref="c2"),
        Fact(MEETING_BOOKED, at(7), ref="m1", account_id="acme"),
        Fact(CONTENT_PUBLISHED, at(8), ref="post-1"),
        Fact(CONTENT_SHARED, at(8), ref="asset-1", flag=True),
        Fact(ENGAGEMENT_RECEIVED, at(9), person=BEN, ref="post-1", detail="comment"),
        Fact(ENGAGEMENT_RECEIVED, at(9), person="linkedin.com/in/x1", ref="post-1", detail="like"),
        Fact(CONN_REQUEST_IN, at(10), person="linkedin.com/in/y"),
        Fact(ENDORSEMENT, at(10), person="linkedin.com/in/y"),
    ]
    return facts, ctx


def test_worked_example_to_the_last_decimal() -> None:
    facts, ctx = worked_example()
    score = compute(facts, ctx, DAY, ScoringSettings())
    contributions = {f.name: f.contribution for f in score.factors}
    assert contributions == {
        "research_actions": 1.33, "buying_centre_mapped": 6.0, "signals_followed_up": 1.33,
        "target_connections": 2.0, "acceptance_rate": 1.0, "buying_centre_coverage": 1.0,
        "two_way_conversations": 1.43, "reply_rate": 0.57, "meetings": 0.67,
        "content_shared": 1.2, "stakeholder_engagement": 1.5, "content_conversations": 0.0, "advocacy": 0.83,
        "inbound_requests": 1.0, "buyer_initiated_conversations": 0.0, "content_reach": 0.2,
        "network_growth": 0.36, "endorsements": 0.5, "penalty_connect_then_pitch": -3.0,
    }
    assert score.pillars == {"insight": 8.66, "connect": 3.67, "engage": 3.53, "brand": 2.06}
    assert score.total == 17.92
    raws = {f.name: f.raw for f in score.factors}
    assert raws["buying_centre_mapped"] == 0.6667  # acme: 4 of 6 roles mapped
    assert raws["acceptance_rate"] == 0.6667  # 2 accepted of 3 requested
    assert raws["buying_centre_coverage"] == 0.5  # 2 of acme's 4 stakeholders connected
    assert raws["signals_followed_up"] == 1.0  # acted on 12 h after capture
    [finding] = score.findings
    assert finding.kind == "connect_then_pitch"
    assert finding.occurrences[0][1]["minutes_after_acceptance"] == 0.0


def test_contributions_add_up_and_pillars_stay_in_range() -> None:
    rng = random.Random(7)
    kinds = [PROFILE_VIEW, NOTE, CONN_REQUEST_OUT, CONN_ACCEPTED, MSG_OUT, MSG_IN, MEETING_BOOKED, CONTENT_SHARED,
             CONTENT_PUBLISHED, ENGAGEMENT_RECEIVED, CONN_REQUEST_IN, ENDORSEMENT]
    _, ctx = worked_example()
    for _ in range(200):
        people = [ANA, BEN, CY, DEE] + [f"p{i}" for i in range(20)]
        facts = [Fact(rng.choice(kinds), at(rng.randint(1, 10), rng.randint(0, 23)), person=rng.choice(people),
                      ref=f"c{rng.randint(1, 15)}", flag=rng.random() < 0.3,
                      detail=rng.choice(["h1", "comment", "view"]), account_id="acme")
                 for _ in range(rng.randint(0, 400))]
        score = compute(facts, ctx, DAY, ScoringSettings())
        for pillar in PILLARS:
            assert 0 <= score.pillars[pillar] <= 25
            assert score.pillars[pillar] == round(sum(f.contribution for f in score.factors if f.pillar == pillar), 2)
        assert score.total == round(sum(score.pillars.values()), 2)
        assert 0 <= score.total <= 100


def test_weights_of_each_pillar_add_up_to_25() -> None:
    for pillar in PILLARS:
        assert sum(f.weight for f in FACTORS if f.pillar == pillar) == 25


def test_more_accepted_target_connections_never_lower_connect() -> None:
    facts, ctx = worked_example()
    previous = compute(facts, ctx, DAY, ScoringSettings()).pillars["connect"]
    for i in range(30):
        person = f"linkedin.com/in/target{i}"
        ctx.stakeholders[person] = Stakeholder(f"acct{i % 4}", "influencer")
        ctx.centre_roles.setdefault(f"acct{i % 4}", {})[person] = "influencer"
        ctx.accepted_at[person] = at(9)
        facts = [*facts, Fact(CONN_ACCEPTED, at(9), person=person)]
        connect = compute(facts, ctx, DAY, ScoringSettings()).pillars["connect"]
        assert connect >= previous
        previous = connect


def test_connect_then_pitch_lowers_the_score_with_evidence() -> None:
    base = [Fact(CONN_ACCEPTED, at(5, 9), person=ANA), Fact(MSG_OUT, at(8), person=ANA, ref="c1", detail="a")]
    ctx = Context(stakeholders={ANA: Stakeholder("acme", "decision_maker")}, accepted_at={ANA: at(5, 9)})
    patient = compute(base, ctx, DAY, ScoringSettings())
    pitched = [base[0], Fact(MSG_OUT, at(5, 9 + 1), person=ANA, ref="c1", flag=True, detail="buy")]
    hasty = compute(pitched, ctx, DAY, ScoringSettings())
    assert hasty.total < patient.total
    [finding] = hasty.findings
    assert finding.kind == "connect_then_pitch"
    assert finding.occurrences[0][1]["minutes_after_acceptance"] == 60.0
    # a pitch after the configurable window is not connect-then-pitch
    late = compute(pitched, ctx, DAY, ScoringSettings(pitch_window_hours=0.5))
    assert late.findings == []


def test_identical_mass_messages_and_spam_are_found() -> None:
    same = [Fact(MSG_OUT, at(9, 8), person=f"p{i}", ref=f"c{i}", detail="same-hash") for i in range(5)]
    score = compute(same, Context(), DAY, ScoringSettings())
    assert [f.kind for f in score.findings] == ["mass_message"]
    assert score.findings[0].occurrences[0][1]["recipients"] == 5
    four = compute(same[:4], Context(), DAY, ScoringSettings())
    assert four.findings == []
    spam = [Fact(MSG_OUT, at(1 + i % 9, 8 + i % 12), person=f"p{i}", ref=f"c{i}", detail=f"t{i}") for i in range(30)]
    assert [f.kind for f in compute(spam, Context(), DAY, ScoringSettings()).findings] == ["spam_pattern"]
    answered = spam + [Fact(MSG_IN, at(9), person=f"p{i}", ref=f"c{i}") for i in range(3)]
    assert compute(answered, Context(), DAY, ScoringSettings()).findings == []  # reply rate 10 %


def test_intrusive_outreach_on_low_status_large_centres() -> None:
    people = [f"p{i}" for i in range(10)]
    ctx = Context(stakeholders={p: Stakeholder("small-co", "user") for p in people},
                  quadrants={"small-co": "low_status_large_centre"})
    facts = [Fact(CONN_REQUEST_OUT, at(9), person=p) for p in people]
    [finding] = compute(facts, ctx, DAY, ScoringSettings()).findings
    assert finding.kind == "intrusive_outreach" and finding.occurrences[0][1]["share"] == 1.0
    ctx.quadrants["small-co"] = "high_status_small_centre"
    assert compute(facts, ctx, DAY, ScoringSettings()).findings == []


def test_window_excludes_old_and_future_facts() -> None:
    facts = [Fact(PROFILE_VIEW, at(10) - timedelta(days=30), person=ANA), Fact(PROFILE_VIEW, at(11), person=ANA)]
    assert compute(facts, Context(), DAY, ScoringSettings()).total == 0
    assert compute(facts, Context(), DAY, ScoringSettings(window_days=31)).pillars["insight"] > 0


@pytest.mark.parametrize("kind", ["view", "like", "comment"])
def test_only_stakeholder_engagement_counts_for_engage(kind: str) -> None:
    stranger = [Fact(ENGAGEMENT_RECEIVED, at(9), person="stranger", ref="post", detail=kind)]
    known = [Fact(ENGAGEMENT_RECEIVED, at(9), person=ANA, ref="post", detail=kind)]
    ctx = Context(stakeholders={ANA: Stakeholder("acme", "decision_maker")})
    assert compute(stranger, ctx, DAY, ScoringSettings()).pillars["engage"] == 0
    assert compute(known, ctx, DAY, ScoringSettings()).pillars["engage"] > 0


def test_research_counts_as_far_as_the_account_fits_the_icp() -> None:
    facts = [Fact(NOTE, at(9), account_id="acme"), Fact(PROFILE_VIEW, at(9), person=ANA),
             Fact(PROFILE_VIEW, at(9), person="linkedin.com/in/unmapped")]
    ctx = Context(stakeholders={ANA: Stakeholder("acme", "decision_maker")})
    unknown = compute(facts, ctx, DAY, ScoringSettings())
    ctx.icp_fit["acme"] = 0.25
    weighted = compute(facts, ctx, DAY, ScoringSettings())
    raw = {f.name: f.raw for f in weighted.factors}
    assert raw["research_actions"] == 1.5  # 0.25 + 0.25 + 1 (a person of no known account)
    assert weighted.pillars["insight"] < unknown.pillars["insight"]
