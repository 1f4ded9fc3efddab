"""The demo data set (stack/demo.py) without a stack: deterministic, valid against the event
catalog, idempotent by id across days, and built to populate every view."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rapportkit.envelope import parse_time, validate
from services.network.pitch import classify
from stack import demo

ANCHOR = date(2026, 11, 23)


def test_the_same_anchor_gives_the_same_events_and_ids_do_not_depend_on_the_day() -> None:
    first, again = demo.generate(ANCHOR), demo.generate(ANCHOR)
    assert first.events == again.events
    later = demo.generate(ANCHOR + timedelta(days=40))
    assert [e["id"] for e in later.events] == [e["id"] for e in first.events]
    assert len({e["id"] for e in first.events}) == len(first.events)


def test_every_event_is_valid_and_in_the_120_days_before_the_anchor() -> None:
    data = demo.generate(ANCHOR)
    assert 3000 < len(data.events) < 10000
    start = datetime.combine(ANCHOR, datetime.min.time(), tzinfo=UTC)
    for event in data.events:
        validate(event)
        assert event["tenantid"] == "demo"
        assert start - timedelta(days=demo.DAYS + 6) <= parse_time(event["time"]) < start
    kinds = Counter(e["type"].removeprefix("rapport.") for e in data.events)
    for needed in ("insight.account.upserted", "insight.stakeholder.identified", "insight.stakeholder.departed",
                   "insight.profile.viewed", "insight.note.recorded", "insight.signal.captured",
                   "insight.signal.actioned", "network.connection.requested", "network.connection.accepted",
                   "network.message.sent", "network.message.received", "network.meeting.booked",
                   "network.meeting.held", "network.endorsement.received", "network.recommendation.received",
                   "content.item.published", "content.item.shared", "content.engagement.recorded",
                   "content.engagement.given", "outcome.lead.created", "outcome.lead.qualified",
                   "outcome.opportunity.created", "outcome.opportunity.stage_changed",
                   "outcome.opportunity.closed", "outcome.referral.received"):
        assert kinds[needed], needed


def test_it_covers_every_quadrant_tier_team_and_both_outcomes() -> None:
    data = demo.generate(ANCHOR)
    assert Counter(a.quadrant for a in data.accounts).keys() == {
        "high_status_small_centre", "high_status_large_centre", "low_status_small_centre", "low_status_large_centre"}
    assert {a.tier for a in data.accounts} == {"strategic", "key", "standard"}
    assert {r.team_id for r in data.reps} == set(demo.TEAMS)
    assert {e["data"]["rep_id"] for e in data.events if "rep_id" in e["data"]} == {r.rep_id for r in data.reps}
    closes = [e["data"]["won"] for e in data.events if e["type"] == "rapport.outcome.opportunity.closed"]
    assert len(closes) == data.closed_opportunities and True in closes and False in closes
    buyer_first = {e["data"]["conversation_id"] for e in data.events if e["type"] == "rapport.network.message.received"}
    assert buyer_first


def test_the_dark_side_is_in_the_data_and_good_messages_are_not_pitches() -> None:
    data = demo.generate(ANCHOR)
    assert set(data.alerts) == {"rep-kevin-walsh", "rep-tom-becker", "rep-sofia-rossi"}
    texts = Counter(e["data"]["text"] for e in data.events if e["type"] == "rapport.network.message.sent"
                    and e["data"]["rep_id"] == "rep-kevin-walsh")
    assert texts[demo.MASS] >= 5  # one text to many people in a day
    for pitch in demo.PITCHES:
        assert classify(pitch.format(first="Ana")).is_pitch, pitch
    for text in demo.OPENERS + demo.FOLLOW_UPS:
        verdict = classify(text.format(first="Ana", topic="procurement", industry="software"))
        assert not verdict.is_pitch, (text, verdict)


def test_the_anchor_is_kept_so_a_later_load_posts_the_same_events(tmp_path: Path) -> None:
    assert demo.anchor_day(tmp_path, today=ANCHOR) == ANCHOR
    assert demo.anchor_day(tmp_path, today=ANCHOR + timedelta(days=3)) == ANCHOR
    assert demo.anchor_day(None, today=ANCHOR) == ANCHOR
