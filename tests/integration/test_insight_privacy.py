"""Erasure through the real stack: a request on rapport.privacy.v2 (produced directly, as the
gateway's erasure route comes later) → the insight worker erases the person → completion on the
same topic, and the reads no longer show them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from kafka import KafkaProducer

from rapportkit import jsonutil
from rapportkit.envelope import new_event
from stack.processes import Stack
from tests.integration.helpers import as_event, eventually, read_topic


def ev(kind: str, data: dict[str, Any], time: str = "2026-11-20T10:00:00Z") -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": f"rapport.insight.{kind}",
            "time": time, "tenantid": "demo", "data": data}


def test_erasure_request_erases_the_person_and_completes(stack: Stack, client: httpx.Client, kafka: str) -> None:
    tag = uuid.uuid4().hex[:8]
    acc, sid, other = f"acct-{tag}", f"sh-{tag}", f"sh2-{tag}"
    email = f"ada.{tag}@example.com"
    person = {"profile_url": f"https://www.linkedin.com/in/ada-{tag}/", "email": email, "name": f"Ada Lovelace{tag}",
              "title": "CFO", "company": "Analytical Engines"}
    response = client.post("/v1/events", json=[
        ev("account.upserted", {"account_id": acc, "name": "Analytical Engines", "tier": "strategic",
                                "industry": "Computing", "employees": 40}),
        ev("stakeholder.identified", {"stakeholder_id": sid, "account_id": acc, "person": person,
                                      "role": "economic_buyer", "seniority": "c-level"}),
        ev("stakeholder.identified", {"stakeholder_id": other, "account_id": acc, "role": "user", "seniority": "ic",
                                      "person": {"email": f"charles.{tag}@example.com"}}),
        ev("note.recorded", {"rep_id": f"rep-{tag}", "account_id": acc, "text": f"Lunch with {email} on Friday"}),
        ev("profile.viewed", {"rep_id": f"rep-{tag}", "person": {"email": email.upper()}}),
    ])
    assert response.status_code == 202, response.text
    before = client.get(f"/v1/accounts/{acc}").json()
    assert before["stakeholders"]["economic_buyer"][0]["person"]["email"] == email
    assert before["research"]["recent_notes"][0]["text"] == f"Lunch with {email} on Friday"

    request_id = f"req-{tag}"
    request = new_event(type="rapport.privacy.erasure.requested", tenant_id="demo", source="tests",
                        data={"request_id": request_id, "person": {"email": email.upper()}})
    producer = KafkaProducer(bootstrap_servers=kafka)
    try:
        producer.send("rapport.privacy.v2", key=f"demo:{request_id}".encode(), value=jsonutil.dumps(request)).get(30)
    finally:
        producer.close()

    def completed() -> dict[str, Any] | None:
        for message in read_topic(kafka, "rapport.privacy.v2", lambda m: m.key == f"demo:{request_id}".encode(),
                                  timeout=5):
            event = as_event(message)
            if event and event["type"] == "rapport.privacy.erasure.completed" and \
                    event["data"]["service"] == "insight":
                return dict(event)
        return None

    done = eventually(completed, timeout=30, interval=0.5, what="insight's erasure.completed")
    # the completion names the request's pseudonym, never the person (it stays in insight's outbox)
    assert done["data"] == {"request_id": request_id, "person": {"email": f"erased:{request_id}"}, "service": "insight"}
    assert done["tenantid"] == "demo"

    after = client.get(f"/v1/accounts/{acc}").json()
    [erased] = after["stakeholders"]["economic_buyer"]
    assert erased == {"stakeholder_id": sid, "person_key": None, "person": None, "identity": None,
                      "role": "economic_buyer",
                      "seniority": "c-level", "identified_at": "2026-11-20T10:00:00Z", "erased": True}
    assert after["stakeholders"]["user"][0]["person"] == {"email": f"charles.{tag}@example.com"}
    assert after["buying_centre"]["size"] == 2  # anonymous counts stay
    assert after["research"]["notes"] == 1
    assert [(n["text"], n["redacted"]) for n in after["research"]["recent_notes"]] == [("[erased]", True)]
    # the profile view of her still counts as research on the account's (now anonymous) stakeholder
    assert after["research"]["stakeholder_profile_views"] == 1
