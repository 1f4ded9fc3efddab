"""Contingency recommendations per quadrant (customer status × buying-centre size), after seed 001
(Bill, Feurer & Klarmann) and the literature summary of seed 000: social media use raises loyalty
for important customers with small buying centres and lowers it for non-strategic customers with
large ones; in every case it must be complemented by traditional channels."""

from __future__ import annotations

RECOMMENDATIONS = {
    "high_status_small_centre": (
        "Intensify personalised social engagement: targeted insights and content for each member of "
        "the small buying centre, frequent and accurate, backed by regular meetings."),
    "high_status_large_centre": (
        "Complement social with traditional channels: use social media for targeted information to "
        "key members, and reach the wider buying centre through meetings, phone, email and print."),
    "low_status_small_centre": (
        "Use social media selectively: light, relevant touches to the few decision makers, no "
        "frequent outreach; rely on efficient traditional channels for the rest."),
    "low_status_large_centre": (
        "Avoid intrusive social outreach: do not message or connect broadly across the buying centre; "
        "serve the account through traditional channels and non-personal content."),
}


def recommendation_for(quadrant: str) -> str:
    return RECOMMENDATIONS[quadrant]
