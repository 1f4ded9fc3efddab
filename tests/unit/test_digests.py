"""E-mail digests, the pure parts: periods (UTC), the SMTP URL, and the multipart e-mail rendered
with Jinja2 (HTML escaped, a plain-text part, a one-line subject). The sending itself is tested
through the stack (tests/integration/test_csv_and_digests.py) and the claims on PostgreSQL
(tests/integration/test_digest_claims.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from gateway.digests import render
from gateway.digests.schedule import due_period, period_so_far
from gateway.digests.smtp import SmtpTarget


def test_periods_are_the_last_whole_day_or_iso_week() -> None:
    wednesday = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)
    daily = due_period("daily", wednesday)
    assert (daily.key, daily.first_day, daily.last_day) == ("2026-12-01", date(2026, 12, 1), date(2026, 12, 1))
    assert daily.ends_at == datetime(2026, 12, 2, tzinfo=UTC)
    weekly = due_period("weekly", wednesday)
    assert (weekly.key, weekly.first_day, weekly.last_day) == ("2026-W48", date(2026, 11, 23), date(2026, 11, 29))
    assert due_period("weekly", datetime(2026, 11, 30, tzinfo=UTC)).key == "2026-W48"  # Monday 00:00: last week's
    now = period_so_far("weekly", wednesday)
    assert (now.first_day, now.last_day) == (date(2026, 11, 30), date(2026, 12, 2)) and now.key.startswith("now-")


def test_the_smtp_url() -> None:
    plain = SmtpTarget.parse("smtp://mail.example.com")
    assert (plain.tls, plain.host, plain.port, plain.user) == (False, "mail.example.com", 25, None)
    secure = SmtpTarget.parse("smtps://apikey:s%40cret@smtp.example.com:2465")
    assert (secure.tls, secure.port, secure.user, secure.password) == (True, 2465, "apikey", "s@cret")
    assert SmtpTarget.parse("smtps://smtp.example.com").port == 465
    for bad in ("http://mail.example.com", "smtp://", "mail.example.com:25"):
        with pytest.raises(ValueError):
            SmtpTarget.parse(bad)


def context() -> dict[str, Any]:
    line = {"rep_id": "ada", "name": "Ada <script>alert(1)</script>", "team_id": "nordics", "total": 61.4, "rank": 1,
            "pillars": {"insight": 18.2, "connect": 15.9, "engage": 14.1, "brand": 13.2}}
    return {"cadence": "weekly", "scope": "team Nordics\nand more", "period_label": "2026-11-23 to 2026-11-29",
            "dashboard_url": "http://127.0.0.1:8080/", "leaderboard": [line], "total_reps": 12,
            "board_date": "2026-11-29", "group_by": "rep",
            "movers": [{"rep_id": "ada", "name": "Ada", "before": 50.0, "after": 61.4, "delta": 11.4,
                        "factors": [{"name": "conversations", "pillar": "connect", "delta": 4.5}]}],
            "alerts": [{"rep_id": "ada", "name": "Ada", "kind": "mass_message", "date": "2026-11-25",
                        "evidence": {"recipients": 12, "people": ["a", "b"]}}],
            "against_advice": [{"account_id": "acme", "name": "Acme", "quadrant": "low_status_large_centre",
                                "recommendation": "Avoid intrusive social outreach", "reps": ["Ada"]}],
            "outcomes": [{"rep_id": "ada", "won": 2, "lost": 1, "won_amount": 1200, "leads": 3, "opportunities": 4}]}


def test_the_email_has_a_text_and_an_escaped_html_part() -> None:
    mail = render.message(context(), sender="Rapport <r@example.com>", to="ops@example.com")
    assert mail["Subject"] == "Rapport weekly digest: team Nordics and more, 2026-11-23 to 2026-11-29"
    assert mail.get_content_type() == "multipart/alternative"
    html_part, text_part = mail.get_body(("html",)), mail.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html, text = html_part.get_content(), text_part.get_content()
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "<li>people: a, b</li>" in html  # evidence lists read as lists, not Python
    assert '<table id="leaderboard"' in html and "61.4" in html and 'href="http://127.0.0.1:8080/"' in html
    assert "1. Ada <script>alert(1)</script> (nordics): 61.4" in text  # plain text is not HTML
    assert "Ada: 50.0 -> 61.4 (+11.4)" in text and "conversations (connect): +4.50" in text
    assert "mass_message; recipients 12" in text and "Acme (low_status_large_centre), by Ada" in text
    assert "ada: 2 won, 1 lost, won amount 1200" in text
    assert text.rstrip().endswith("Open the dashboard: http://127.0.0.1:8080/")
