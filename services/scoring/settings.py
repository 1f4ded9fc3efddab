"""Per-tenant scoring settings with their documented defaults (docs/scoring.md)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScoringSettings:
    window_days: int = 30  # rolling window of a day's score
    pitch_window_hours: float = 24.0  # connect_then_pitch: a pitch this soon after acceptance
    attribution_window_days: int = 90  # socially influenced: a touch this long before creation/stage change
    spam_min_outbound: int = 30  # spam_pattern: at least this many outbound messages in the window…
    spam_max_reply_rate: float = 0.1  # …with a reply rate below this
    mass_min_recipients: int = 5  # mass_message: the same text to this many people in one day
    intrusive_min_touches: int = 10  # intrusive_outreach: at least this many social touches…
    intrusive_min_share: float = 0.5  # …this share of them on low_status_large_centre accounts
    weights: dict[str, float] = field(default_factory=dict)  # factor name → weight override


PENALTIES = {"connect_then_pitch": 3.0, "spam_pattern": 5.0, "mass_message": 2.0, "intrusive_outreach": 4.0}
PENALTY_CAPS = {"connect_then_pitch": 12.0, "spam_pattern": 5.0, "mass_message": 6.0, "intrusive_outreach": 4.0}
