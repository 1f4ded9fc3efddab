"""The event catalog: every event type, its topic, its owner and the JSON Schema of its `data`.

This is the single source for validation, for topic routing, for the AsyncAPI document and for
which service accepts a type at `POST /v1/events`. docs/contracts.md fixes the names and the required
fields; fields may be added (`additionalProperties` stays open) but none removed within `.v1`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCHEMA_VERSION = "1"

# Domains whose events may carry personal data travel sealed (rapportkit.sealing) on `.v2`: their
# personal fields left `data` (docs/privacy.md, "The event log"). The directory names only reps.
SEALED_DOMAINS = frozenset({"insight", "network", "content", "outcome", "scoring", "privacy"})
TOPICS = {
    "directory": "rapport.directory.v1",
    "insight": "rapport.insight.v2",
    "network": "rapport.network.v2",
    "content": "rapport.content.v2",
    "outcome": "rapport.outcome.v2",
    "scoring": "rapport.scoring.v2",
    "privacy": "rapport.privacy.v2",
}


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


ALL_TOPICS = tuple(TOPICS.values()) + tuple(dlq_topic(t) for t in TOPICS.values())

Schema = dict[str, Any]

# ids: 1–200 characters without control characters (docs/contracts.md); content ids may be links
ID: Schema = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]+$"}
TEXT: Schema = {"type": "string", "maxLength": 20000}
SHORT: Schema = {"type": "string", "maxLength": 500}
AMOUNT: Schema = {"type": "number", "minimum": 0, "maximum": 1e15}
COUNT: Schema = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}  # what the stores' integer columns hold
FIT: Schema = {"type": "number", "minimum": 0, "maximum": 1}
# A field marked personal (and any field of `data` the catalog does not declare) is sealed under the
# key of the event's person on the topics (rapportkit.sealing; docs/privacy.md, "The event log").
PERSONAL = "x-rapport-personal"
PERSONAL_TEXT: Schema = {**TEXT, PERSONAL: True}
PERSON: Schema = {
    PERSONAL: True,
    "type": "object",
    "properties": {
        "profile_url": {"type": "string", "minLength": 1, "maxLength": 2000},
        "email": {"type": "string", "minLength": 3, "maxLength": 320},
        "name": SHORT,
        "title": SHORT,
        "company": SHORT,
    },
    # a name alone is a weak identity (rapportkit.people.weak_key); it must hold a non-space
    "anyOf": [{"required": ["profile_url"]}, {"required": ["email"]},
              {"required": ["name"], "properties": {"name": {"pattern": "\\S"}}}],
}
TIERS = ["strategic", "key", "standard"]
ROLES = ["decision_maker", "economic_buyer", "champion", "influencer", "user", "gatekeeper", "unknown"]
SIGNAL_KINDS = ["job_change", "funding", "hiring", "topic_post", "pain_point", "competitor_mention",
                "company_news"]
CHANNELS = ["linkedin", "email", "phone", "event", "other"]
MEETING_KINDS = ["call", "video", "in_person"]
CONTENT_KINDS = ["post", "article", "video", "document", "asset"]
ENGAGEMENT_KINDS = ["view", "like", "comment", "share", "click", "download"]
ALERT_KINDS = ["connect_then_pitch", "spam_pattern", "mass_message", "intrusive_outreach"]
QUADRANTS = ["high_status_small_centre", "high_status_large_centre", "low_status_small_centre",
             "low_status_large_centre"]


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None,
        **extra: Any) -> Schema:
    props = {**required, **(optional or {})}
    return {"type": "object", "required": list(required), "properties": props, **extra}


def enum(values: list[str]) -> Schema:
    return {"type": "string", "enum": values}


@dataclass(frozen=True)
class EventType:
    type: str  # full CloudEvents type, e.g. rapport.insight.profile.viewed
    domain: str  # key of TOPICS
    owner: str  # the process that publishes it
    data: Schema
    summary: str
    ingestible: bool  # accepted from callers at POST /v1/events

    @property
    def topic(self) -> str:
        return TOPICS[self.domain]

    @property
    def sealed(self) -> bool:
        """Whether its events travel sealed (rapportkit.sealing)."""
        return self.domain in SEALED_DOMAINS

    @property
    def clear_fields(self) -> frozenset[str]:
        """The fields of `data` that stay in clear on the topics; every other one is sealed."""
        return frozenset(n for n, s in self.data.get("properties", {}).items() if not s.get(PERSONAL))

    @property
    def personal_fields(self) -> tuple[str, ...]:
        """The declared personal fields of `data`, in declaration order."""
        return tuple(n for n, s in self.data.get("properties", {}).items() if s.get(PERSONAL))

    @property
    def person_at(self) -> tuple[str, ...]:
        """Where in `data` the event's person is: a person object, or a person key (alert evidence)."""
        return PERSON_AT.get(self.type, ("person",))


_CONNECTION = obj({"rep_id": ID, "person": PERSON})
_MESSAGE = obj(
    {"rep_id": ID, "conversation_id": ID, "person": PERSON, "channel": enum(CHANNELS)},
    {"text": PERSONAL_TEXT, "length": COUNT, "is_pitch": {"type": "boolean"},
     # kept by imports as the export has them (docs/imports.md): any JSON, personal
     "subject": {PERSONAL: True}, "conversation_title": {PERSONAL: True}, "attachments": {PERSONAL: True},
     # set by the network service on published outbound messages (docs/network.md)
     "pitch_rules": {"type": "array", "items": {"type": "string", "maxLength": 100}, "maxItems": 50},
     "pitch_score": {"type": "number", "minimum": 0, "maximum": 1},
     "minutes_since_connection_accepted": {"type": ["number", "null"], "minimum": 0}},
    anyOf=[{"required": ["text"]}, {"required": ["length"]}],
)
_MEETING = obj(
    {"rep_id": ID, "meeting_id": ID, "kind": enum(MEETING_KINDS)},
    {"person": PERSON, "account_id": ID, "conversation_id": ID},
    anyOf=[{"required": ["person"]}, {"required": ["account_id"]}],
)
_LEAD = obj({"lead_id": ID, "rep_id": ID, "account_id": ID, "source": SHORT})
_PRIVACY = obj({"request_id": ID, "person": PERSON})

_DEFS: list[tuple[str, str, Schema, str]] = [
    # (type suffix, owner, data schema, summary)
    ("directory.rep.upserted", "gateway", obj({"rep_id": ID, "name": SHORT, "team_id": ID}),
     "A rep was created or changed in the directory."),
    ("insight.account.upserted", "insight",
     obj({"account_id": ID, "name": SHORT, "tier": enum(TIERS), "industry": SHORT,
          "employees": COUNT},
         {"region": SHORT, "revenue": AMOUNT}),
     "An account (customer company) was created or changed."),
    ("insight.stakeholder.identified", "insight",
     obj({"stakeholder_id": ID, "account_id": ID, "person": PERSON, "role": enum(ROLES),
          "seniority": SHORT}),
     "A person was mapped into an account's buying centre."),
    ("insight.stakeholder.departed", "insight", obj({"stakeholder_id": ID, "account_id": ID}),
     "A stakeholder left the account's buying centre."),
    ("insight.account.quadrant_changed", "insight",
     obj({"account_id": ID, "quadrant": enum(QUADRANTS), "customer_status": enum(["high", "low"]),
          "centre_size": enum(["small", "large"]), "stakeholders": COUNT},
         {"previous_quadrant": {"anyOf": [enum(QUADRANTS), {"type": "null"}]}}),
     "An account moved into another contingency quadrant (customer status × buying-centre size)."),
    ("insight.account.fit_changed", "insight",
     obj({"account_id": ID, "icp_fit": {"anyOf": [FIT, {"type": "null"}]}},
         {"previous_fit": {"anyOf": [FIT, {"type": "null"}]}, "reasons": {"type": "array"},
          "icp_version": COUNT}),
     "An account's ideal-customer-profile fit changed (the account or the tenant's ICP changed)."),
    ("insight.profile.viewed", "insight", obj({"rep_id": ID, "person": PERSON}),
     "A rep researched a person's profile."),
    ("insight.signal.captured", "insight",
     obj({"signal_id": ID, "kind": enum(SIGNAL_KINDS),
          "strength": {"type": "number", "minimum": 0, "maximum": 1}},
         {"account_id": ID, "person": PERSON, "source": SHORT, "rep_id": ID, "stakeholder_id": ID},
         anyOf=[{"required": ["account_id"]}, {"required": ["person"]}]),
     "A buying signal was captured (job change, funding, hiring, ...)."),
    ("insight.signal.actioned", "insight", obj({"signal_id": ID, "rep_id": ID, "action": SHORT}),
     "A rep acted on a signal."),
    ("insight.note.recorded", "insight",
     obj({"rep_id": ID, "account_id": ID, "text": PERSONAL_TEXT}, {"person": PERSON}),
     "A rep recorded a research note about an account."),
    ("insight.account.followed", "insight", obj({"rep_id": ID, "company": SHORT}, {"account_id": ID}),
     "A rep followed a company."),
    ("network.connection.requested", "network",
     obj({"rep_id": ID, "person": PERSON, "direction": enum(["outbound", "inbound"])}, {"message": PERSONAL_TEXT}),
     "A connection request was sent or received."),
    ("network.connection.accepted", "network", _CONNECTION, "A connection was accepted."),
    ("network.connection.declined", "network", _CONNECTION, "A connection request was declined."),
    ("network.connection.withdrawn", "network", _CONNECTION, "A connection request was withdrawn."),
    ("network.message.sent", "network", _MESSAGE, "The rep sent a message."),
    ("network.message.received", "network", _MESSAGE, "The rep received a message."),
    ("network.meeting.booked", "network", _MEETING, "A meeting was booked."),
    ("network.meeting.held", "network", _MEETING, "A meeting took place."),
    ("network.endorsement.received", "network", obj({"rep_id": ID, "person": PERSON}, {"skill": SHORT}),
     "The rep received a skill endorsement."),
    ("network.recommendation.received", "network", obj({"rep_id": ID, "person": PERSON}, {"text": PERSONAL_TEXT}),
     "The rep received a recommendation."),
    ("content.item.published", "content",
     obj({"content_id": ID, "kind": enum(CONTENT_KINDS), "title": SHORT,
          "topics": {"type": "array", "items": SHORT, "maxItems": 50}, "owner": ID},
         {"url": {"type": "string", "maxLength": 2000}}),
     "A content item (rep post, article, company asset) was published."),
    ("content.item.shared", "content", obj({"content_id": ID, "rep_id": ID, "channel": enum(CHANNELS)}),
     "A rep shared a content item."),
    ("content.engagement.recorded", "content",
     obj({"content_id": ID, "rep_id": ID, "person": PERSON, "kind": enum(ENGAGEMENT_KINDS)}),
     "Someone engaged with content a rep shared."),
    ("content.engagement.given", "content",
     obj({"rep_id": ID, "kind": {"type": "string", "minLength": 1, "maxLength": 40},
          "link": {"type": "string", "maxLength": 2000, PERSONAL: True}}, {"person": PERSON, "text": PERSONAL_TEXT}),
     "The rep engaged with someone else's post."),
    ("outcome.lead.created", "scoring", _LEAD, "A lead was created."),
    ("outcome.lead.qualified", "scoring", _LEAD, "A lead was qualified."),
    ("outcome.opportunity.created", "scoring",
     obj({"opportunity_id": ID, "rep_id": ID, "account_id": ID, "amount": AMOUNT, "stage": SHORT}),
     "An opportunity was opened."),
    ("outcome.opportunity.stage_changed", "scoring", obj({"opportunity_id": ID, "stage": SHORT}),
     "An opportunity moved to another stage."),
    ("outcome.opportunity.closed", "scoring",
     obj({"opportunity_id": ID, "won": {"type": "boolean"}, "amount": AMOUNT}),
     "An opportunity was won or lost."),
    ("outcome.referral.received", "scoring", obj({"rep_id": ID, "person": PERSON}),
     "The rep received a referral."),
    ("scoring.score.updated", "scoring",
     obj({"rep_id": ID, "date": {"type": "string", "format": "date"},
          "total": {"type": "number", "minimum": 0, "maximum": 100},
          "pillars": obj({p: {"type": "number", "minimum": 0, "maximum": 25}
                          for p in ("insight", "connect", "engage", "brand")}),
          "factors": {"type": "array"}, "formula_version": SHORT}),
     "A rep's score for a day changed."),
    ("scoring.alert.raised", "scoring",
     obj({"rep_id": ID, "kind": enum(ALERT_KINDS), "evidence": {"type": "object", PERSONAL: True}}),
     "A dark-side pattern was detected for a rep."),
    ("scoring.recommendation.issued", "scoring",
     obj({"account_id": ID, "quadrant": enum(QUADRANTS), "recommendation": TEXT}),
     "The recommended approach for an account changed."),
    ("privacy.erasure.requested", "gateway", _PRIVACY, "Erasure of a person was requested."),
    ("privacy.erasure.completed", "any", obj({"request_id": ID, "person": PERSON, "service": ID}),
     "A service finished erasing a person."),
    ("privacy.tenant_deletion.requested", "gateway", obj({"request_id": ID, "tenant_id": ID}),
     "Deletion of a whole tenant was requested (every row of the tenant, in every service)."),
    ("privacy.tenant_deletion.completed", "any", obj({"request_id": ID, "tenant_id": ID, "service": ID}),
     "A service finished deleting a tenant."),
]

# Where the person of an event is, when not in `data.person`: the connect-then-pitch alert's
# evidence names the person by key. Its personal fields are sealed under that person's key.
PERSON_AT = {"rapport.scoring.alert.raised": ("evidence", "person")}

# Types a service derives and publishes itself; callers cannot post them.
DERIVED = {"insight.account.quadrant_changed", "insight.account.fit_changed"}

EVENT_TYPES: dict[str, EventType] = {}
for _suffix, _owner, _data, _summary in _DEFS:
    _domain = _suffix.split(".", 1)[0]
    EVENT_TYPES[f"rapport.{_suffix}"] = EventType(
        type=f"rapport.{_suffix}", domain=_domain, owner=_owner, data=_data, summary=_summary,
        ingestible=_domain in ("insight", "network", "content", "outcome") and _suffix not in DERIVED,
    )

INGESTIBLE_TYPES = sorted(t for t, et in EVENT_TYPES.items() if et.ingestible)

ENVELOPE: Schema = {
    "type": "object",
    "required": ["specversion", "id", "source", "type", "time", "tenantid", "data"],
    "properties": {
        "specversion": {"const": "1.0"},
        "id": ID,
        "source": {"type": "string", "minLength": 1, "maxLength": 500},
        "type": {"type": "string", "minLength": 1, "maxLength": 200},
        "subject": {"type": "string", "maxLength": 500},
        "time": {"type": "string", "minLength": 10, "maxLength": 40},
        "datacontenttype": {"const": "application/json"},
        "dataschema": {"type": "string"},
        "tenantid": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,62}$"},
        "traceparent": {"type": "string", "maxLength": 200},
        "data": {"type": "object"},
    },
}


def wire_data_schema(event_type: str) -> Schema:
    """The `data` of a sealed type as it travels: its personal fields are no longer required (they
    travel sealed in the `rapportsealed` attribute), nor are the alternatives that name one."""
    data = dict(EVENT_TYPES[event_type].data)
    personal = set(EVENT_TYPES[event_type].personal_fields)
    data["required"] = [n for n in data.get("required", []) if n not in personal]
    if any(set(branch.get("required", ())) & personal for branch in data.get("anyOf", ())):
        del data["anyOf"]
    return data


SEALED_ATTRIBUTE = "rapportsealed"  # the CloudEvents extension attribute of rapportkit.sealing
SEALED_ATTRIBUTE_SCHEMA: Schema = {
    "type": "string",
    "pattern": "^1\\.k[0-9a-f]{24}(\\+k[0-9a-f]{24})*\\.[a-z0-9_,]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$",
    "description": "The event's personal fields, sealed: `1.<key ids>.<declared personal fields sealed, "
                   "comma-separated>.<nonce>.<ciphertext>` (base64url, no padding), AES-256-GCM under the keys "
                   "of the event's person (one per identity: profile URL, e-mail, name and company; `+`-joined, "
                   "the cipher key derived from all with HKDF-SHA256), else a key of the event's own (personal "
                   "text that names no person) or its tenant's; additional data `<tenantid>\\n<id>\\n<key ids>"
                   "\\n<fields>`. Opened with rapportkit.sealing.open_events; once a key is destroyed (erasure), "
                   "the event opens to the erased form (docs/privacy.md).",
}


def wire_schema(event_type: str) -> Schema:
    """The JSON Schema of an event as it travels on its topic: for a sealed type, `data` without its
    personal fields (`wire_data_schema`) and the `rapportsealed` attribute that carries them."""
    schema = event_schema(event_type)
    if not EVENT_TYPES[event_type].sealed:
        return schema
    props = {**schema["properties"], "data": wire_data_schema(event_type), SEALED_ATTRIBUTE: SEALED_ATTRIBUTE_SCHEMA}
    return {**schema, "$id": f"https://rapport.dev/schemas/{event_type}/v2.json", "properties": props}


def event_schema(event_type: str) -> Schema:
    """The full JSON Schema (envelope + data) of one event type."""
    et = EVENT_TYPES[event_type]
    props = dict(ENVELOPE["properties"])
    props["type"] = {"const": et.type}
    props["data"] = et.data
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://rapport.dev/schemas/{et.type}/v{SCHEMA_VERSION}.json",
        "title": et.type,
        "description": et.summary,
        "type": "object",
        "required": ENVELOPE["required"],
        "properties": props,
    }
