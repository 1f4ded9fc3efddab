"""The content engagement model with hand-computed expectations (docs/content.md has the worked
example of `test_worked_example_*`).

Default weights — kind: view 1, like 2, click 2, download 3, share 5, comment 6; role:
decision_maker 5, economic_buyer 5, champion 4, influencer 3, user 2, gatekeeper 2, unknown 1.5;
a stranger (not a known stakeholder) 0.1.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.content.ranking import (
    DEFAULT_WEIGHTS,
    ItemEngagement,
    Stakeholder,
    StakeholderIndex,
    Touch,
    attribute,
    engagement_by_item,
    rank,
    rank_key,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def touch(content_id: str, person: str, kind: str, events: int = 1, *, hours: float = 0, email: str | None = None,
          rep: str | None = None) -> Touch:
    return Touch(content_id=content_id, person_key=person, kind=kind, events=events, first_at=at(hours),
                 last_at=at(hours + events - 1), email_key=email, rep_id=rep)


ACME = [
    Stakeholder("s-dana", "acme", "decision_maker", person_key="linkedin.com/in/dana", name="Dana", identified_at=T0),
    Stakeholder("s-eric", "acme", "champion", person_key="linkedin.com/in/eric", name="Eric", identified_at=T0),
    Stakeholder("s-fay", "acme", "user", person_key="linkedin.com/in/fay", name="Fay", identified_at=T0),
]


def worked_example() -> dict[str, ItemEngagement]:
    """Asset A: Dana views three times and comments, Eric views and likes, Fay views and downloads,
    five strangers view (one of them twice) and two of them like. Post B: 40 strangers view and like."""
    touches = [
        touch("A", "linkedin.com/in/dana", "view", 3), touch("A", "linkedin.com/in/dana", "comment"),
        touch("A", "linkedin.com/in/eric", "view"), touch("A", "linkedin.com/in/eric", "like"),
        touch("A", "linkedin.com/in/fay", "view"), touch("A", "linkedin.com/in/fay", "download"),
        *(touch("A", f"stranger-{i}", "view", 2 if i == 0 else 1) for i in range(5)),
        touch("A", "stranger-0", "like"), touch("A", "stranger-1", "like"),
    ]
    touches += [touch("B", f"fan-{i}", kind) for i in range(40) for kind in ("view", "like")]
    return engagement_by_item(touches, StakeholderIndex(ACME))


def test_worked_example_scores() -> None:
    items = worked_example()
    a, b = items["A"], items["B"]
    # Dana 1×5 + 6×5 = 35; Eric 1×4 + 2×4 = 12; Fay 1×2 + 3×2 = 8
    assert a.stakeholder_score == pytest.approx(55.0)
    # 5 stranger views × 1 × 0.1 + 2 stranger likes × 2 × 0.1
    assert a.other_score == pytest.approx(0.9)
    assert a.score == pytest.approx(55.9)
    # 40 × 1 × 0.1 + 40 × 2 × 0.1: more likes (40 against 3) but nobody from the buying centre
    assert b.score == pytest.approx(12.0)
    assert b.by_kind["like"] > a.by_kind["like"]
    assert rank([("B", b, at(5)), ("A", a, at(1))]) == ["A", "B"]


def test_worked_example_counts_and_attribution() -> None:
    a = worked_example()["A"]
    assert a.by_kind == {"view": 8, "like": 3, "comment": 1, "share": 0, "click": 0, "download": 1}
    assert a.events_by_kind["view"] == 11  # 3 + 1 + 1 + 6
    assert a.repeats_ignored == {"view": 3}
    assert (len(a.engagers), len(a.stakeholders), len(a.strangers)) == (8, 3, 5)
    acme = a.by_account["acme"]
    assert acme.stakeholders == 3
    assert acme.by_kind == {"view": 3, "like": 1, "comment": 1, "share": 0, "click": 0, "download": 1}
    assert acme.score == pytest.approx(55.0)
    assert sorted(e.stakeholder.stakeholder_id for e in a.stakeholders if e.stakeholder) == ["s-dana", "s-eric",
                                                                                          "s-fay"]


def test_breakdown_lines_add_up_to_the_score() -> None:
    a = worked_example()["A"]
    lines = {(c.role, c.kind): (c.people, c.points) for c in a.breakdown}
    assert lines[("decision_maker", "comment")] == pytest.approx((1, 30.0))
    assert lines[("stranger", "view")] == pytest.approx((5, 0.5))
    assert lines[("stranger", "like")] == pytest.approx((2, 0.4))
    assert a.breakdown[0].role == "decision_maker" and a.breakdown[0].kind == "comment"  # highest first
    assert sum(c.points for c in a.breakdown) == pytest.approx(a.score)


def test_decision_maker_comment_outweighs_stranger_views() -> None:
    dm = Stakeholder("s1", "acme", "decision_maker", person_key="dm", identified_at=T0)
    one_comment = engagement_by_item([touch("X", "dm", "comment")], StakeholderIndex([dm]))["X"]
    views = engagement_by_item([touch("Y", f"p{i}", "view") for i in range(299)], StakeholderIndex())["Y"]
    assert one_comment.score == pytest.approx(30.0)  # 6 × 5
    assert views.score == pytest.approx(29.9)  # 299 × 1 × 0.1
    assert rank([("Y", views, at(9)), ("X", one_comment, at(0))]) == ["X", "Y"]


def test_every_comment_is_counted_but_scored_once_per_person() -> None:
    champion = Stakeholder("s1", "acme", "champion", person_key="c", identified_at=T0)
    item = engagement_by_item([touch("X", "c", "comment", 3), touch("X", "c", "like", 2)],
                              StakeholderIndex([champion]))["X"]
    assert item.by_kind["comment"] == 3 and item.by_kind["like"] == 1
    assert item.repeats_ignored == {"like": 1}
    assert item.score == pytest.approx(6 * 4 + 2 * 4)


def test_stakeholder_with_unknown_role_weighs_more_than_a_stranger() -> None:
    s = Stakeholder("s1", "acme", "unknown", person_key="u", identified_at=T0)
    item = engagement_by_item([touch("X", "u", "view"), touch("X", "x", "view")], StakeholderIndex([s]))["X"]
    assert item.stakeholder_score == pytest.approx(1.5) and item.other_score == pytest.approx(0.1)
    assert DEFAULT_WEIGHTS.of_role("no-such-role") == 1.5


def test_attribution_holds_when_the_stakeholder_is_identified_after_the_engagement() -> None:
    later = Stakeholder("s1", "acme", "influencer", person_key="p", identified_at=at(48))
    assert attribute(at(0), [later]) == later
    item = engagement_by_item([touch("X", "p", "like", hours=0)], StakeholderIndex([later]))["X"]
    assert item.stakeholder_score == pytest.approx(2 * 3)


def test_departed_stakeholder_keeps_engagement_from_before_the_departure_only() -> None:
    s = Stakeholder("s1", "acme", "decision_maker", person_key="p", identified_at=at(0), departed_at=at(10))
    assert s.departed
    assert attribute(at(5), [s]) == s
    assert attribute(at(10), [s]) is None
    assert attribute(at(11), [s]) is None
    rejoined = Stakeholder("s1", "acme", "decision_maker", person_key="p", identified_at=at(20), departed_at=at(10))
    assert not rejoined.departed and attribute(at(11), [rejoined]) == rejoined


def test_a_person_who_moved_accounts_is_attributed_by_the_time_of_the_engagement() -> None:
    old = Stakeholder("s-old", "acme", "champion", person_key="p", identified_at=at(0), departed_at=at(100))
    new = Stakeholder("s-new", "globex", "decision_maker", person_key="p", identified_at=at(100))
    assert attribute(at(50), [old, new]) == old
    assert attribute(at(150), [old, new]) == new
    before_both = Stakeholder("s-b", "initech", "user", person_key="p", identified_at=at(200))
    assert attribute(at(150), [new, before_both]) == new  # known then beats known later


def test_a_person_matches_by_email_and_is_one_engager_under_two_keys() -> None:
    s = Stakeholder("s1", "acme", "economic_buyer", person_key="linkedin.com/in/ann", email_key="ann@acme.com",
                    name="Ann", identified_at=T0)
    touches = [touch("X", "linkedin.com/in/ann", "view"), touch("X", "ann@acme.com", "view", email="ann@acme.com"),
               touch("X", "ann@acme.com", "click", email="ann@acme.com")]
    item = engagement_by_item(touches, StakeholderIndex([s]))["X"]
    assert len(item.engagers) == 1
    assert item.by_kind["view"] == 1 and item.by_kind["click"] == 1
    assert item.score == pytest.approx(1 * 5 + 2 * 5)


def test_engagement_through_two_reps_counts_the_person_once_per_item() -> None:
    item = engagement_by_item([touch("X", "p", "view", rep="r1"), touch("X", "p", "view", rep="r2")],
                              StakeholderIndex())["X"]
    assert item.by_kind["view"] == 1 and item.repeats_ignored == {"view": 1}


def test_rank_ties_break_on_stakeholders_then_recency_then_id() -> None:
    s = Stakeholder("s1", "acme", "user", person_key="s", identified_at=T0)
    index = StakeholderIndex([s])
    one_stakeholder = engagement_by_item([touch("P", "s", "view")], index)["P"]  # 1 × 2 = 2.0
    strangers = engagement_by_item([touch("Q", f"x{i}", "like") for i in range(10)], index)["Q"]  # 10 × 2 × 0.1
    assert one_stakeholder.score == pytest.approx(strangers.score)
    assert rank([("Q", strangers, at(9)), ("P", one_stakeholder, at(0))]) == ["P", "Q"]
    assert rank([("M", None, at(1)), ("N", None, at(2)), ("L", None, None)]) == ["N", "M", "L"]
    assert rank([("b", None, at(1)), ("a", None, at(1))]) == ["a", "b"]
    assert rank_key("z", None, None) == (0.0, 0, float("inf"), "z")


def test_anonymous_stakeholder_is_still_counted() -> None:
    erased = Stakeholder("s1", "acme", "champion", person_key="erased:req-1", identified_at=T0)
    item = engagement_by_item([touch("X", "erased:req-1", "comment")], StakeholderIndex([erased]))["X"]
    assert erased.anonymous and len(item.stakeholders) == 1
    assert item.by_account["acme"].stakeholders == 1 and item.score == pytest.approx(24.0)
