"""The network service through the real stack: events posted to the gateway, the network service
on PostgreSQL, its published events on rapport.network.v2, the insight service's stakeholder
events consumed from rapport.insight.v2, erasure requests from rapport.privacy.v2, and reads
through the gateway."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from rapportkit import jsonutil
from rapportkit.kafka import close_producer, make_producer
from stack.processes import Stack
from tests.integration.helpers import as_event, eventually, new_rep, read_topic

TENANT = "demo"
PITCH = "Thanks for connecting! Would you be open to a quick call next week? Grab a slot: calendly.com/ana/30min"
THOUGHTFUL = ("Loved your talk on procurement timelines. How do you approach security reviews "
              "when the buying committee is spread across regions?")


def ev(event_type: str, time: str, **data: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": f"rapport.{event_type}",
            "time": time, "tenantid": TENANT, "data": data}


def person(slug: str) -> dict[str, str]:
    return {"profile_url": f"https://www.linkedin.com/in/{slug}/", "name": slug}


def post(client: httpx.Client, *events: dict[str, Any]) -> None:
    response = client.post("/v1/events", json=list(events))
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": len(events), "duplicates": 0}


def read_network(client: httpx.Client, rep: str) -> dict[str, Any]:
    response = client.get(f"/v1/reps/{rep}/network")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def message(direction: str, rep: str, conversation: str, who: dict[str, str], time: str,
            body: str) -> dict[str, Any]:
    return ev(f"network.message.{direction}", time, rep_id=rep, conversation_id=conversation, person=who,
              channel="linkedin", text=body)


def test_coverage_conversations_and_meeting_conversion(client: httpx.Client) -> None:
    rep, tag = new_rep(), uuid.uuid4().hex[:8]
    account = f"acct-{tag}"
    people = {name: person(f"{name}-{tag}") for name in ("ann", "ben", "cat", "dan", "eve", "fay")}
    roles = dict(zip(people, ["decision_maker", "economic_buyer", "champion", "influencer", "user", "user"],
                     strict=True))
    post(client, ev("insight.account.upserted", "2026-03-01T08:00:00Z", account_id=account, name="Acme",
                    tier="key", industry="software", employees=800),
         *[ev("insight.stakeholder.identified", "2026-03-01T08:00:00Z", stakeholder_id=f"{account}-{n}",
              account_id=account, person=p, role=roles[n], seniority="senior") for n, p in people.items()])
    post(client,
         *[ev("network.connection.accepted", "2026-03-01T09:00:00Z", rep_id=rep, person=people[n])
           for n in ("ann", "cat", "eve")],
         # ann: the rep at 10:00, ann answers at 12:00, the rep answers at 15:00 (2 outbound, 1 inbound)
         message("sent", rep, f"c-ann-{tag}", people["ann"], "2026-03-02T10:00:00Z", "Great panel yesterday."),
         message("received", rep, f"c-ann-{tag}", people["ann"], "2026-03-02T12:00:00Z", "Thanks! Glad you came."),
         message("sent", rep, f"c-ann-{tag}", people["ann"], "2026-03-02T15:00:00Z", "Shall we meet for coffee?"),
         # cat answers after 4 h; eve never answers
         message("sent", rep, f"c-cat-{tag}", people["cat"], "2026-03-02T10:00:00Z", "How is the rollout going?"),
         message("received", rep, f"c-cat-{tag}", people["cat"], "2026-03-02T14:00:00Z", "Slowly, thanks."),
         message("sent", rep, f"c-eve-{tag}", people["eve"], "2026-03-02T10:00:00Z", "Enjoyed your article."),
         ev("network.meeting.booked", "2026-03-03T09:00:00Z", rep_id=rep, meeting_id=f"m-{tag}", kind="in_person",
            person=people["ann"], conversation_id=f"c-ann-{tag}"))

    def covered() -> dict[str, Any] | None:
        body = read_network(client, rep)
        entries = [c for c in body["coverage"] if c["account_id"] == account]
        return body if entries and entries[0]["stakeholders"] == 6 else None

    body = eventually(covered, timeout=30, what="coverage from the insight service's stakeholder events")
    [entry] = [c for c in body["coverage"] if c["account_id"] == account]
    assert (entry["name"], entry["tier"]) == ("Acme", "key")
    assert (entry["stakeholders"], entry["connected"], entry["contacted"], entry["two_way"]) == (6, 3, 3, 2)
    assert entry["share_connected"] == 0.5
    assert entry["share_two_way"] == 0.3333  # ann and cat of six; eve never answered
    assert entry["by_role"]["user"] == {"stakeholders": 2, "connected": 1, "contacted": 1, "two_way": 0}
    assert entry["by_role"]["economic_buyer"] == {"stakeholders": 1, "connected": 0, "contacted": 0, "two_way": 0}

    assert body["connections"]["total"] == 3 and body["connections"]["accepted"] == 3
    assert body["connections"]["pending"] == 0 and body["connections"]["acceptance_rate"] is None  # no requests
    assert body["conversations"] == {
        "count": 3, "two_way": 2, "rep_initiated": 3, "buyer_initiated": 0,
        "reply_rate": 0.5,  # replied outbound turns: ann 1 of 2, cat 1 of 1, eve 0 of 1
        "median_response_hours": 3.0,  # the rep answered ann after 3 h
        "median_reply_hours": 3.0,  # ann replied after 2 h, cat after 4 h
        "median_depth": 2,  # depths 3, 2, 1
        "by_channel": {"linkedin": 3},
    }
    assert body["messages"] == {"sent": 4, "received": 2, "pitches": 0, "pitch_share": 0.0,
                                "pitches_within_24h_of_acceptance": 0}
    assert body["meetings"] == {"booked": 1, "held": 0, "held_rate": 0.0, "from_conversations": 1,
                                "held_from_conversations": 0, "conversations_converted": 1,
                                "conversion_rate": 0.3333}

    page = client.get(f"/v1/reps/{rep}/conversations", params={"limit": 1})
    assert page.status_code == 200, page.text
    listing = page.json()
    assert listing["total"] == 3 and listing["limit"] == 1 and len(listing["items"]) == 1
    ann = listing["items"][0]  # most recently active first: ann's thread ends at 15:00
    assert ann["conversation_id"] == f"c-ann-{tag}"
    assert (ann["two_way"], ann["messages_sent"], ann["messages_received"], ann["depth"]) == (True, 2, 1, 3)
    assert ann["reply_rate"] == 0.5 and ann["median_reply_hours"] == 2.0 and ann["median_response_hours"] == 3.0
    assert ann["initiated_by"] == "rep" and ann["meetings"] == [f"m-{tag}"]

    # the buying centre changes: one stakeholder departs, coverage follows
    post(client, ev("insight.stakeholder.departed", "2026-03-04T08:00:00Z", stakeholder_id=f"{account}-fay",
                    account_id=account))

    def after_departure() -> dict[str, Any] | None:
        [e] = [c for c in read_network(client, rep)["coverage"] if c["account_id"] == account]
        return e if e["stakeholders"] == 5 else None

    entry = eventually(after_departure, timeout=30, what="the departure reflected in coverage")
    assert entry["share_connected"] == 0.6 and entry["share_two_way"] == 0.4


def test_connect_then_pitch_is_published_with_its_delay(client: httpx.Client, kafka: str) -> None:
    rep, tag = new_rep(), uuid.uuid4().hex[:8]
    lee = person(f"lee-{tag}")
    pitch = message("sent", rep, f"c-{tag}", lee, "2026-03-02T09:30:00Z", PITCH)
    thoughtful = message("sent", rep, f"c-{tag}", lee, "2026-03-04T09:00:00Z", THOUGHTFUL)
    post(client, ev("network.connection.requested", "2026-03-01T09:00:00Z", rep_id=rep, person=lee,
                    direction="outbound"),
         ev("network.connection.accepted", "2026-03-02T09:00:00Z", rep_id=rep, person=lee))
    post(client, pitch, thoughtful)

    def both() -> list[Any] | None:
        found = read_topic(kafka, "rapport.network.v2", lambda m: m.key == f"{TENANT}:{rep}".encode())
        events = {e["id"]: e for e in map(as_event, found) if e}
        return [events[pitch["id"]], events[thoughtful["id"]]] if len(events) == 4 else None

    published_pitch, published_calm = eventually(both, timeout=30, what="the four events on rapport.network.v2")
    assert published_pitch["type"] == "rapport.network.message.sent"
    assert published_pitch["data"]["is_pitch"] is True
    assert published_pitch["data"]["minutes_since_connection_accepted"] == 30
    assert {"meeting_request", "scheduling_link"} <= set(published_pitch["data"]["pitch_rules"])
    assert published_calm["data"]["is_pitch"] is False
    assert published_calm["data"]["pitch_rules"] == ["opinion_question"]
    assert published_calm["data"]["minutes_since_connection_accepted"] == 2 * 24 * 60

    body = read_network(client, rep)
    assert body["messages"] == {"sent": 2, "received": 0, "pitches": 1, "pitch_share": 0.5,
                                "pitches_within_24h_of_acceptance": 1}
    assert body["connections"]["acceptance_rate"] == 1.0 and body["connections"]["outbound_requests"] == 1


def test_out_of_order_history_reads_the_same(client: httpx.Client) -> None:
    rep, tag = new_rep(), uuid.uuid4().hex[:8]
    mo, ned = person(f"mo-{tag}"), person(f"ned-{tag}")
    # acceptance before its request; a withdrawal before the request it withdraws
    post(client, ev("network.connection.accepted", "2026-03-02T09:00:00Z", rep_id=rep, person=mo))
    post(client, ev("network.connection.withdrawn", "2026-03-05T09:00:00Z", rep_id=rep, person=ned))
    post(client, ev("network.connection.requested", "2026-03-01T09:00:00Z", rep_id=rep, person=mo,
                    direction="outbound"),
         ev("network.connection.requested", "2026-03-03T09:00:00Z", rep_id=rep, person=ned, direction="outbound"))
    # a reply that arrives before the message it answers
    post(client, message("received", rep, f"c-{tag}", mo, "2026-03-02T11:00:00Z", "Sure, happy to."))
    post(client, message("sent", rep, f"c-{tag}", mo, "2026-03-02T10:00:00Z", "Would a chat help?"))
    body = read_network(client, rep)
    assert body["connections"] == {"total": 2, "accepted": 1, "pending": 0, "declined": 0, "withdrawn": 1,
                                   "outbound_requests": 2, "inbound_requests": 0, "without_request": 0,
                                   "acceptance_rate": 0.5, "known_by_name": 0}
    conversations = body["conversations"]
    assert conversations["rep_initiated"] == 1 and conversations["two_way"] == 1
    assert conversations["reply_rate"] == 1.0 and conversations["median_reply_hours"] == 1.0


def test_a_stakeholder_record_with_a_url_merges_a_person_known_by_name(client: httpx.Client) -> None:
    """A connection imported by name and company, then insight identifies the same person with a URL
    (consumed from rapport.insight.v2): the network counts one connected stakeholder, not a
    stranger beside an unconnected stakeholder."""
    rep, tag = new_rep(), uuid.uuid4().hex[:8]
    account, name = f"acct-{tag}", f"Gia Named {tag}"
    post(client, ev("network.connection.accepted", "2019-05-01T09:00:00Z", rep_id=rep,
                    person={"name": name, "company": "Acme"}),
         message("received", rep, f"c-{tag}", {"name": name, "company": "Acme"}, "2019-05-02T09:00:00Z", "Hi"))
    assert read_network(client, rep)["connections"]["known_by_name"] == 1
    post(client, ev("insight.account.upserted", "2026-03-01T08:00:00Z", account_id=account, name="Acme",
                    tier="key", industry="software", employees=800),
         ev("insight.stakeholder.identified", "2026-03-01T08:00:00Z", stakeholder_id=f"{account}-gia",
            account_id=account, role="champion", seniority="senior",
            person={"profile_url": f"https://www.linkedin.com/in/gia-{tag}", "name": name, "company": "Acme"}))

    def merged() -> dict[str, Any] | None:
        body = read_network(client, rep)
        return body if body["coverage"] and body["connections"]["known_by_name"] == 0 else None

    body = eventually(merged, timeout=30, what="the stakeholder to merge the person known by name")
    assert body["connections"]["total"] == 1
    [entry] = body["coverage"]
    assert (entry["account_id"], entry["stakeholders"], entry["connected"], entry["contacted"]) == (account, 1, 1, 1)
    assert entry["by_role"]["champion"]["connected"] == 1


def test_erasure_keeps_counts_and_reports_completion(client: httpx.Client, kafka: str, stack: Stack) -> None:
    rep, tag = new_rep(), uuid.uuid4().hex[:8]
    olu = {"email": f"olu-{tag}@example.com", "name": "Olu Secret"}
    post(client, ev("network.connection.accepted", "2026-03-02T09:00:00Z", rep_id=rep, person=olu),
         message("sent", rep, f"c-{tag}", olu, "2026-03-02T10:00:00Z", "Private words"),
         message("received", rep, f"c-{tag}", olu, "2026-03-02T11:00:00Z", "Private answer"))
    before = read_network(client, rep)
    request_id = f"erase-{tag}"
    request = {**ev("privacy.erasure.requested", "2026-03-10T00:00:00Z", request_id=request_id,
                    person={"email": f"OLU-{tag}@example.com"}), "source": "tests"}
    producer = make_producer(kafka, client_id="tests")
    try:
        producer.send("rapport.privacy.v2", key=f"{TENANT}:{request_id}".encode(),
                      value=jsonutil.dumps(request)).get(timeout=30)
    finally:
        close_producer(producer)

    def completed() -> Any:
        found = [as_event(m) for m in read_topic(kafka, "rapport.privacy.v2",
                                                 lambda m: m.key == f"{TENANT}:{request_id}".encode())]
        done = [e for e in found if e and e["type"] == "rapport.privacy.erasure.completed"
                and e["data"]["service"] == "network"]
        return done[0] if done else None

    done = eventually(completed, timeout=30, what="network's erasure.completed on rapport.privacy.v2")
    assert done["data"]["request_id"] == request_id and done["tenantid"] == TENANT
    assert read_network(client, rep) == before  # anonymous counts stay

    engine = create_engine(stack.env["NETWORK_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            texts = conn.execute(text("select text, person_key from network_message where tenant_id = :t "
                                      "and rep_id = :r"), {"t": TENANT, "r": rep}).all()
            connection = conn.execute(text("select person_key, person from network_connection where tenant_id = :t "
                                           "and rep_id = :r"), {"t": TENANT, "r": rep}).one()
            payloads = [bytes(p) for (p,) in conn.execute(text(
                "select payload from outbox where tenant_id = :t and key = :k"), {"t": TENANT, "k": f"{TENANT}:{rep}"})]
    finally:
        engine.dispose()
    assert texts and all(t is None and k == f"erased:{request_id}" for t, k in texts)
    assert connection == (f"erased:{request_id}", None)
    # the person in clear: a JSON string starting with their name, their e-mail or name anywhere, the
    # texts. (A bare "olu" also matched the sealed fields' random base64 now and then: a full run failed.)
    clear = (b'"olu', olu["email"].encode(), b"olu secret", b"private")
    assert len(payloads) == 3 and not [v for p in payloads for v in clear if v in p.lower()]


def test_reads_validate_and_scope(client: httpx.Client, stack: Stack) -> None:
    unknown = client.get(f"/v1/reps/{new_rep()}/network")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    assert client.get(f"/v1/reps/{new_rep()}/conversations").status_code == 404
    bad_limit = client.get("/v1/reps/r/conversations", params={"limit": 0})
    assert bad_limit.status_code == 422 and bad_limit.json()["error"]["details"][0]["loc"] == ["query", "limit"]
    blank = client.post("/v1/events", json=ev("network.connection.accepted", "2026-03-02T09:00:00Z",
                                              rep_id=new_rep(), person={"profile_url": "   "}))
    assert blank.status_code == 422 and "data.person" in blank.json()["error"]["message"]
    with httpx.Client(base_url=stack.gateway_url) as anonymous:
        assert anonymous.get("/v1/reps/r/network").status_code == 401
    spec = client.get("/openapi.json").json()
    assert "/v1/reps/{rep_id}/network" in spec["paths"] and "/v1/reps/{rep_id}/conversations" in spec["paths"]
