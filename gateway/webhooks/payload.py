"""What a delivery POSTs: the body in the subscription's format and the Standard Webhooks headers.

- `cloudevents`: the CloudEvent in the structured JSON format (`application/cloudevents+json`), as
  published, opened (its personal fields back in `data`; the erased form once the person is erased).
- `slack`: `{"text": "…"}`, the incoming-webhook shape Slack and Microsoft Teams' workflows accept: a
  one-line summary of the event from its clear fields (type, rep, account, score, alert kind), never
  a prospect's name or message.

Signature (Standard Webhooks, with the `standardwebhooks` library): `webhook-id` is the event id,
the same at every attempt and for a re-sent delivery, so receivers dedupe by it; `webhook-timestamp`
the attempt's time; `webhook-signature` `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`,
one per valid secret, space-separated (during a rotation the previous secret signs too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from standardwebhooks import Webhook

from rapportkit import jsonutil
from rapportkit.envelope import STRUCTURED_CONTENT_TYPE

USER_AGENT = "Rapport-Webhooks/1"


def body_of(event: Mapping[str, Any], format: str) -> tuple[bytes, str]:
    """The request body and its content type."""
    if format == "slack":
        return jsonutil.dumps({"text": summary(event)}), "application/json"
    return jsonutil.dumps(event), STRUCTURED_CONTENT_TYPE


def summary(event: Mapping[str, Any]) -> str:
    """A short line about the event, from its fields that name no prospect."""
    data = _dict(event.get("data"))
    kind = str(event.get("type", "")).removeprefix("rapport.")
    who = [f"{name} {data[name]}" for name in ("rep_id", "account_id", "opportunity_id", "content_id")
           if isinstance(data.get(name), str | int)]
    line = f"Rapport ({event.get('tenantid')}): {kind}" + (f" — {', '.join(who)}" if who else "")
    if kind == "scoring.score.updated":
        pillars = _dict(data.get("pillars"))
        parts = ", ".join(f"{p} {pillars[p]:g}" for p in ("insight", "connect", "engage", "brand")
                          if isinstance(pillars.get(p), int | float))
        line += f": score {data.get('total')} on {data.get('date')}" + (f" ({parts})" if parts else "")
    elif kind == "scoring.alert.raised":
        line += f": dark-side alert {str(data.get('kind', '')).replace('_', ' ')}"
    elif kind == "outcome.opportunity.closed":
        line += f": {'won' if data.get('won') else 'lost'}, amount {data.get('amount')}"
    elif isinstance(data.get("stage"), str):
        line += f": stage {data['stage']}"
    return line


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def headers(event_id: str, body: bytes, secrets: Sequence[str], at: datetime, content_type: str) -> dict[str, str]:
    """The request headers: Standard Webhooks' three, signed with every secret in `secrets`."""
    text = body.decode()
    signatures = " ".join(Webhook(s).sign(msg_id=event_id, timestamp=at, data=text) for s in secrets)
    return {"webhook-id": event_id, "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signatures,
            "content-type": content_type, "user-agent": USER_AGENT}
