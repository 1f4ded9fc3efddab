"""CSV exports and e-mail digests through the real stack (docs/integrations.md): each of the six
CSV routes answers `text/csv` that the `csv` module parses; a digest sent with
`POST /v1/digests/send` reaches a real SMTP server (aiosmtpd, started here on the port the stack's
`RAPPORT_SMTP_URL` names) as a multipart e-mail with the leaderboard in its HTML part; who may
subscribe follows the roles; an erasure naming the subscriber's e-mail deletes the subscription."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import text

from rapportkit.db import make_engine
from stack.processes import Stack
from tests.conftest import SMTP_PORT
from tests.integration.helpers import eventually


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.content or b""
        parsed = email.message_from_bytes(raw if isinstance(raw, bytes) else raw.encode(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


@pytest.fixture
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if "json" in response.headers.get("content-type", "") else response.text


class Tenant:
    def __init__(self, client: httpx.Client) -> None:
        s = uuid.uuid4().hex[:8]
        self.id, self.team, self.rep, self.mate = f"dg-{s}", f"team-{s}", f"ada-{s}", f"bob-{s}"
        self.account, self.content, self.opportunity = f"acct-{s}", f"post-{s}", f"opp-{s}"
        ok(client.post("/v1/admin/tenants", json={"tenant_id": self.id, "name": f"Digest {s}"}), 201)
        ok(client.post("/v1/admin/teams", json={"team_id": self.team, "name": "Nordics", "tenant_id": self.id}), 201)
        for rep, name in ((self.rep, "Ada Lovelace"), (self.mate, "Bob = Builder")):
            ok(client.post("/v1/admin/reps", json={"rep_id": rep, "name": name, "team_id": self.team,
                                                   "tenant_id": self.id}), 201)
        self.keys = {role: ok(client.post("/v1/admin/api-keys", json={"role": role, "tenant_id": self.id, **fields}),
                              201)["key"]
                     for role, fields in (("admin", {}), ("manager", {"team_ids": [self.team]}),
                                          ("rep", {"rep_id": self.rep}))}

    def h(self, role: str = "admin", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}", **extra}

    def ev(self, type_: str, data: dict[str, Any], minutes: int = 0) -> dict[str, Any]:
        when = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30 - minutes)
        return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": f"rapport.{type_}",
                "time": when.isoformat().replace("+00:00", "Z"), "tenantid": self.id, "data": data}

    def activity(self) -> list[dict[str, Any]]:
        person = {"profile_url": f"https://www.linkedin.com/in/p-{self.id}/"}
        mass = "Hi, quick question about your plans, do you have 10 minutes?"
        return [
            self.ev("insight.account.upserted", {"account_id": self.account, "name": "Acme, Inc. \"Nordics\"",
                                                 "tier": "strategic", "industry": "software", "employees": 500}),
            self.ev("insight.profile.viewed", {"rep_id": self.rep, "person": person}),
            self.ev("insight.profile.viewed", {"rep_id": self.mate, "person": person}),
            self.ev("content.item.published", {"content_id": self.content, "kind": "post", "owner": self.rep,
                                               "title": "=cmd|' /C calc'!A0", "topics": ["audits"]}),
            self.ev("content.item.shared", {"content_id": self.content, "rep_id": self.rep, "channel": "linkedin"}),
            self.ev("outcome.opportunity.created", {"opportunity_id": self.opportunity, "rep_id": self.rep,
                                                    "account_id": self.account, "amount": 1000, "stage": "new"}),
            self.ev("outcome.opportunity.closed", {"opportunity_id": self.opportunity, "won": True, "amount": 1200},
                    minutes=5),
            *(self.ev("network.message.sent", {"rep_id": self.rep, "conversation_id": f"m{i}-{self.id}",
                                               "person": {"profile_url": f"https://www.linkedin.com/in/m{i}-{self.id}/"},
                                               "channel": "linkedin", "text": mass}, minutes=i) for i in range(6)),
        ]


@pytest.fixture
def tenant(client: httpx.Client) -> Tenant:
    t = Tenant(client)
    ok(client.post("/v1/events", json=t.activity(), headers=t.h()), 202)

    def ready() -> bool | None:
        board = client.get("/v1/leaderboard", headers=t.h()).json()
        alerts = client.get(f"/v1/reps/{t.rep}/alerts", headers=t.h()).json()
        outcomes = client.get("/v1/reports/outcomes", headers=t.h()).json()
        accounts = client.get("/v1/accounts", headers=t.h()).json()
        content = client.get("/v1/content", headers=t.h()).json()
        return (board.get("total_reps") == 2 and bool(alerts.get("alerts")) and accounts.get("total") == 1
                and content.get("total") == 1 and any(g["won"] for g in outcomes.get("groups", []))) or None
    eventually(ready, timeout=20, what="the tenant's events applied")
    return t


def csv_rows(client: httpx.Client, path: str, t: Tenant) -> list[dict[str, str]]:
    response = client.get(path, headers=t.h(Accept="text/csv"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.text, newline="")))


def test_every_csv_export_parses(client: httpx.Client, tenant: Tenant) -> None:
    t = tenant
    board = csv_rows(client, "/v1/leaderboard?limit=1", t)  # the whole board: `limit` is for JSON pages
    assert {r["rep_id"] for r in board} == {t.rep, t.mate}
    assert {r["name"] for r in board} == {"Ada Lovelace", "Bob = Builder"}
    assert {"pillars.insight", "pillars.connect", "total", "rank"} <= set(board[0])

    history = csv_rows(client, f"/v1/reps/{t.rep}/score/history", t)
    assert len(history) == 90 and history[-1]["date"] == datetime.now(UTC).date().isoformat()
    contributions = [c for c in history[0] if c.startswith("contribution.")]
    assert "contribution.penalty_mass_message" in contributions and len(contributions) > 5
    today = history[-1]
    assert float(today["total"]) > 0  # the factors' contributions add up to the day's total
    assert abs(sum(float(today[c] or 0) for c in contributions) - float(today["total"])) < 0.05
    assert history[0]["contribution.penalty_mass_message"] == ""  # not raised that day

    [alert] = csv_rows(client, f"/v1/reps/{t.rep}/alerts", t)
    assert alert["kind"] == "mass_message" and '"recipients":6' in alert["evidence"]

    outcomes = csv_rows(client, "/v1/reports/outcomes", t)
    assert list(outcomes[0])[0] == "rep_id"
    assert [(r["rep_id"], r["won"], float(r["won_amount"])) for r in outcomes if r["won"] != "0"] == [
        (t.rep, "1", 1200.0)]

    [account] = csv_rows(client, "/v1/accounts?limit=1&offset=5", t)  # the whole list, paging aside
    assert account["name"] == 'Acme, Inc. "Nordics"' and account["buying_centre.size"] == "0"

    [item] = csv_rows(client, "/v1/content", t)
    assert item["title"] == "'=cmd|' /C calc'!A0"  # formula injection neutralised
    assert item["topics"] == '["audits"]' and item["engagement.score"] == "0"

    # JSON stays the default
    assert client.get("/v1/leaderboard", headers=t.h()).headers["content-type"].startswith("application/json")


def test_digests_subscribe_by_role_send_and_erase(client: httpx.Client, tenant: Tenant, smtp_server: Inbox) -> None:
    t = tenant
    subscribe = "/v1/digests/subscriptions"
    # who may subscribe to what
    refused = client.post(subscribe, json={"email": "x@example.com", "cadence": "daily", "rep_id": t.mate},
                          headers=t.h("rep"))
    assert refused.status_code == 403 and refused.json()["error"]["details"][0]["loc"] == ["body", "rep_id"]
    refused = client.post(subscribe, json={"email": "x@example.com", "cadence": "daily"}, headers=t.h("manager"))
    assert refused.status_code == 403 and refused.json()["error"]["details"][0]["loc"] == ["body", "team_id"]
    bad = client.post(subscribe, json={"email": "not-an-address", "cadence": "hourly"}, headers=t.h())
    assert bad.status_code == 422
    assert {d["loc"][-1] for d in bad.json()["error"]["details"]} == {"email", "cadence"}
    own = ok(client.post(subscribe, json={"email": "ada@example.com", "cadence": "weekly"}, headers=t.h("rep")), 201)
    assert (own["scope"], own["rep_id"]) == ("rep", t.rep)
    team = ok(client.post(subscribe, json={"email": "lead@example.com", "cadence": "weekly", "team_id": t.team},
                          headers=t.h("manager")), 201)
    whole = ok(client.post(subscribe, json={"email": "Ops@Example.com", "cadence": "daily"}, headers=t.h()), 201)
    assert whole["scope"] == "tenant"
    assert [s["subscription_id"] for s in ok(client.get(subscribe, headers=t.h("rep")))["items"]] == [
        own["subscription_id"]]
    assert ok(client.get(subscribe, headers=t.h()))["total"] == 3
    assert client.get(f"{subscribe}/{whole['subscription_id']}", headers=t.h("manager")).status_code == 404

    assert client.post("/v1/digests/send", headers=t.h("manager")).status_code == 403
    sent = ok(client.post("/v1/digests/send", headers=t.h()))
    assert (sent["sent"], sent["not_sent"]) == (3, 0), sent

    [mail] = smtp_server.to("Ops@Example.com")
    assert mail.get_content_type() == "multipart/alternative"
    html = mail.get_body(preferencelist=("html",))
    text = mail.get_body(preferencelist=("plain",))
    assert html is not None and text is not None
    html_body, text_body = html.get_content(), text.get_content()
    board = html_body.split('<table id="leaderboard"', 1)[1].split("</table>", 1)[0]
    assert "Ada Lovelace" in board and "Bob = Builder" in board
    assert "mass_message" in html_body and "recipients: 6" in html_body  # the alert with its evidence
    assert "LEADERBOARD" in text_body and "Ada Lovelace" in text_body and "mass_message" in text_body
    assert f"{t.rep}: 1 won" not in text_body  # a tenant digest groups outcomes by team
    assert f"{t.team}: 1 won, 0 lost, won amount 1200" in text_body
    assert "Open the dashboard: http://" in text_body
    [rep_mail] = smtp_server.to("ada@example.com")
    rep_html = rep_mail.get_body(preferencelist=("html",))
    assert rep_html is not None and "Bob = Builder" not in rep_html.get_content()  # a rep reads its own line
    assert ok(client.get(f"{subscribe}/{whole['subscription_id']}", headers=t.h()))["last_delivery"]["status"] == "sent"

    # the subscriber's e-mail is a person: an erasure naming it deletes the subscription
    ok(client.post("/v1/privacy/erasure", json={"person": {"email": "ops@example.com"}}, headers=t.h()), 202)
    assert client.get(f"{subscribe}/{whole['subscription_id']}", headers=t.h()).status_code == 404
    ok(client.delete(f"{subscribe}/{team['subscription_id']}", headers=t.h("manager")))
    assert ok(client.get(subscribe, headers=t.h()))["total"] == 1


def test_send_without_smtp_server_is_recorded_for_retry(client: httpx.Client, stack: Stack) -> None:
    """No server listens (the fixture is not used): the attempt fails, is recorded and will be
    retried; deleting the tenant deletes its digest rows."""
    t = Tenant(client)
    made = ok(client.post("/v1/digests/subscriptions", json={"email": "a@example.com", "cadence": "daily"},
                          headers=t.h()), 201)
    sent = ok(client.post("/v1/digests/send", headers=t.h()))
    [delivery] = sent["deliveries"]
    assert (sent["sent"], delivery["status"], delivery["attempts"]) == (0, "retry", 1)
    assert "SmtpError" in delivery["last_error"] and delivery["next_attempt_at"]
    assert ok(client.get(f"/v1/digests/subscriptions/{made['subscription_id']}",
                         headers=t.h()))["last_delivery"]["status"] == "retry"
    # a tenant deletion deletes its digest rows with the rest of the gateway's rows of the tenant
    ok(client.delete(f"/v1/admin/tenants/{t.id}"), 202)
    engine = make_engine(stack.env["GATEWAY_DATABASE_URL"])
    try:
        with engine.connect() as db:
            for table in ("digest_subscription", "digest_delivery"):
                assert db.execute(text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"), {"t": t.id}).scalar() == 0
    finally:
        engine.dispose()
