"""The demo data set of tenant `demo`: generated (seeded, deterministic) and loaded through the gateway.

Three teams of four reps sell to 30 accounts of every tier over the 120 days before today. Each
rep has a style (star, networker, creator, steady, traditional, and two who show the dark side:
a spammer and an intrusive prospector), so the leaderboard spreads, every pillar has something to
explain, the four contingency quadrants are populated and every dark-side alert appears. Outcomes
(leads, opportunities with stage changes, won and lost deals with amounts) follow the reps'
quality, so the outcomes report and the evidence have something to say.

Event ids are derived from what each event is (never from the date), so loading again adds
nothing: `make run` loads it at start (unless RAPPORT_DEMO=0); `python -m stack.demo --url U
--token T` loads it into any running stack. The day the data is anchored on is kept in
`$RAPPORT_DATA_DIR/demo-anchor` so a later load posts exactly the same events. docs/dashboard.md
describes the data set.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from rapportkit.envelope import Event, new_event

TENANT = "demo"
SEED = 20261123
DAYS = 120
SOURCE = "rapport/demo"
ID_NAMESPACE = uuid.UUID("5f0c1d2e-7a4b-4c8e-9d61-3b2a1f0e9c77")

TEAMS = {"team-enterprise": "Enterprise", "team-midmarket": "Mid-Market", "team-growth": "Growth"}


@dataclass(frozen=True)
class Style:
    views_per_week: float  # profile views of stakeholders
    notes_per_month: float
    action_share: float  # share of the rep's signals acted on…
    action_hours: tuple[float, float]  # …this many hours after capture
    reach_share: float  # share of the own accounts' stakeholders the rep asks to connect
    accept: float  # chance a request is accepted
    conversations: float  # conversations per connected stakeholder
    reply: float  # chance the buyer answers a turn
    buyer_first: int  # buyer-initiated conversations
    strangers: int  # connections outside the buying centres (network growth)
    inbound: int  # inbound connection requests
    posts: int  # own posts
    shares: int  # shares of company content
    reach: int  # strangers engaging with each post or share
    endorsements: int
    win: float  # chance an opportunity is won


STYLES = {
    "star": Style(6, 4, 0.9, (2, 20), 0.95, 0.9, 2.5, 0.8, 10, 30, 25, 8, 14, 20, 12, 0.68),
    "networker": Style(4, 2, 0.75, (10, 60), 1.0, 0.85, 2.0, 0.65, 6, 60, 15, 2, 6, 8, 8, 0.52),
    "creator": Style(3, 1, 0.6, (20, 90), 0.7, 0.8, 1.2, 0.65, 12, 35, 30, 14, 16, 35, 10, 0.5),
    "steady": Style(2.5, 2, 0.6, (24, 72), 0.6, 0.75, 1.2, 0.55, 3, 12, 5, 2, 6, 6, 3, 0.45),
    "traditional": Style(0.7, 3, 0.3, (48, 200), 0.25, 0.6, 0.6, 0.5, 1, 3, 1, 0, 1, 3, 1, 0.42),
    "spammer": Style(0.3, 0, 0.2, (80, 200), 0.7, 0.7, 0.6, 0.3, 0, 8, 0, 0, 2, 4, 0, 0.2),
    "intrusive": Style(1.5, 1, 0.4, (30, 120), 0.5, 0.6, 0.8, 0.4, 1, 8, 2, 1, 3, 4, 2, 0.33),
}


@dataclass(frozen=True)
class Rep:
    rep_id: str
    name: str
    team_id: str
    style: str
    level: float  # 0–1, scales the style's volumes


REPS = [
    Rep("rep-maria-santos", "Maria Santos", "team-enterprise", "star", 1.0),
    Rep("rep-james-okafor", "James Okafor", "team-enterprise", "networker", 0.8),
    Rep("rep-lena-fischer", "Lena Fischer", "team-enterprise", "traditional", 0.5),
    Rep("rep-tom-becker", "Tom Becker", "team-enterprise", "intrusive", 0.8),
    Rep("rep-aisha-khan", "Aisha Khan", "team-midmarket", "creator", 0.9),
    Rep("rep-diego-ramirez", "Diego Ramírez", "team-midmarket", "steady", 0.7),
    Rep("rep-sofia-rossi", "Sofia Rossi", "team-midmarket", "star", 0.8),
    Rep("rep-kevin-walsh", "Kevin Walsh", "team-midmarket", "spammer", 0.8),
    Rep("rep-yuki-tanaka", "Yuki Tanaka", "team-growth", "networker", 0.7),
    Rep("rep-noah-brown", "Noah Brown", "team-growth", "steady", 0.6),
    Rep("rep-priya-nair", "Priya Nair", "team-growth", "creator", 0.75),
    Rep("rep-ben-carter", "Ben Carter", "team-growth", "traditional", 0.4),
]

# name, tier, industry, employees, region, revenue (millions), active stakeholders, owner
ACCOUNTS: list[tuple[str, str, str, int, str, int, int, str]] = [
    ("Helios Energy", "strategic", "Energy", 12000, "EMEA", 4200, 6, "rep-maria-santos"),
    ("Tidewater Bank", "strategic", "Financial Services", 8500, "NA", 3100, 5, "rep-maria-santos"),
    ("Kestrel Aerospace", "strategic", "Manufacturing", 15000, "EMEA", 5600, 3, "rep-james-okafor"),
    ("Meridian Insurance", "strategic", "Financial Services", 6400, "NA", 2200, 7, "rep-james-okafor"),
    ("Sable Pharma", "strategic", "Healthcare", 9800, "EMEA", 3900, 2, "rep-lena-fischer"),
    ("Orbitex Telecom", "strategic", "Telecommunications", 21000, "APAC", 7400, 4, "rep-tom-becker"),
    ("Bluepeak Software", "key", "Software", 1400, "NA", 310, 3, "rep-lena-fischer"),
    ("Northwind Logistics", "key", "Logistics", 3200, "EMEA", 640, 4, "rep-tom-becker"),
    ("Corvane Health", "key", "Healthcare", 2100, "NA", 420, 2, "rep-aisha-khan"),
    ("Fjord Analytics", "key", "Software", 900, "EMEA", 150, 5, "rep-aisha-khan"),
    ("Nimbus Cloud", "key", "Software", 2600, "NA", 520, 3, "rep-sofia-rossi"),
    ("Aurora Biotech", "key", "Healthcare", 1200, "EMEA", 260, 6, "rep-sofia-rossi"),
    ("Granite Capital", "key", "Financial Services", 700, "NA", 480, 1, "rep-diego-ramirez"),
    ("Vantage Automotive", "key", "Manufacturing", 4800, "APAC", 1300, 3, "rep-diego-ramirez"),
    ("Zephyr Airlines", "key", "Travel", 5200, "EMEA", 1900, 4, "rep-kevin-walsh"),
    ("Lumen Retail", "standard", "Retail", 650, "NA", 90, 2, "rep-kevin-walsh"),
    ("Atlas Freight", "standard", "Logistics", 300, "EMEA", 45, 1, "rep-diego-ramirez"),
    ("Verdant Foods", "standard", "Consumer Goods", 800, "EMEA", 120, 3, "rep-aisha-khan"),
    ("Pinecrest Manufacturing", "standard", "Manufacturing", 1100, "NA", 160, 5, "rep-yuki-tanaka"),
    ("Cobalt Mining", "standard", "Mining", 2300, "APAC", 380, 2, "rep-yuki-tanaka"),
    ("Harbor Hotels", "standard", "Travel", 1500, "NA", 140, 4, "rep-yuki-tanaka"),
    ("Redwood Legal", "standard", "Professional Services", 220, "NA", 60, 6, "rep-noah-brown"),
    ("Silverline Media", "standard", "Media", 480, "EMEA", 75, 1, "rep-noah-brown"),
    ("Ironbridge Construction", "standard", "Construction", 1700, "EMEA", 290, 2, "rep-noah-brown"),
    ("Beacon Education", "standard", "Education", 950, "NA", 40, 3, "rep-priya-nair"),
    ("Solstice Travel", "standard", "Travel", 400, "APAC", 55, 4, "rep-priya-nair"),
    ("Willow Home", "standard", "Retail", 350, "NA", 48, 2, "rep-priya-nair"),
    ("Ember Gaming", "standard", "Software", 260, "EMEA", 35, 5, "rep-ben-carter"),
    ("Cascade Water", "standard", "Utilities", 1300, "NA", 210, 1, "rep-ben-carter"),
    ("Quarry & Stone", "standard", "Construction", 520, "APAC", 70, 3, "rep-ben-carter"),
]

ICP = {"industries": ["Software", "Financial Services", "Healthcare", "Logistics", "Manufacturing"],
       "employees": {"min": 500, "max": 20000}, "regions": ["EMEA", "NA"]}

FIRST = ["Anna", "Marco", "Chloe", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kara", "Liam",
         "Mei", "Nadia", "Oscar", "Paula", "Quentin", "Rosa", "Samir", "Tessa", "Uma", "Victor", "Wen", "Ximena",
         "Yusuf", "Zoe", "Amir", "Bianca", "Carlos", "Dana", "Emil", "Freya", "Gustav", "Hana", "Ivan", "Julia"]
LAST = ["Keller", "Moreau", "Lindqvist", "Osei", "Petrov", "Haddad", "Nakamura", "Silva", "Brennan", "Kowalski",
        "Ahmed", "Van Dijk", "Costa", "Schmidt", "Dubois", "Larsen", "Ferreira", "Yilmaz", "Novak", "Murphy",
        "Rahman", "Jensen", "Bauer", "Okoye", "Romano", "Sato", "Weber", "Nguyen", "Garcia", "Fischer"]
ROLE_ORDER = ["decision_maker", "champion", "economic_buyer", "user", "influencer", "gatekeeper", "unknown"]
TITLES = {"decision_maker": ["Chief Operating Officer", "VP Operations", "Chief Information Officer"],
          "economic_buyer": ["Chief Financial Officer", "VP Finance"],
          "champion": ["Head of Sales Enablement", "Director of Revenue Operations"],
          "influencer": ["Principal Architect", "Head of IT Security"],
          "user": ["Sales Operations Manager", "Team Lead, Inside Sales"],
          "gatekeeper": ["Procurement Lead", "Executive Assistant to the CEO"],
          "unknown": ["Consultant", "Business Analyst"]}
SENIORITY = {"decision_maker": "executive", "economic_buyer": "executive", "champion": "director",
             "influencer": "senior", "user": "manager", "gatekeeper": "manager", "unknown": "individual"}
TOPICS = ["buying committees", "revenue operations", "procurement", "pipeline quality", "AI in sales",
          "customer onboarding", "security reviews"]

OPENERS = [
    "Hi {first}, I enjoyed your post on {topic}. How do you approach it across your regions?",
    "Congratulations on the new role, {first}! Well deserved.",
    "Thought you might find this benchmark on {topic} useful. Curious what you make of it.",
    "Thanks for connecting, {first}. Great to meet you after the panel last week.",
    "{first}, what's your take on the new guidance on {topic} in your industry?",
]
FOLLOW_UPS = [
    "That makes sense. We saw something similar at another {industry} company; happy to share what worked.",
    "Thanks, {first}. I'll send over the notes we talked about.",
    "Good point on the timeline. What does the review process look like on your side?",
    "Agreed. Let's pick this up again after your planning meeting.",
]
REPLIES = [
    "Thanks {rep}, that was useful. We are reviewing our {topic} setup this quarter.",
    "Interesting. Can you send me the full report?",
    "Good timing, this is on our list for the next planning cycle.",
    "We looked at this last year and parked it. Happy to compare notes.",
]
BUYER_OPENERS = [
    "Hi {rep}, saw your post on {topic}. How are other teams handling this?",
    "We are exploring options for {topic}; could we talk next week?",
    "{rep}, a colleague recommended I reach out about your work on {topic}.",
]
PITCHES = [
    "Thanks for connecting! Would you be open to a quick call next week? Grab a slot: calendly.com/kevin-walsh/30min",
    "Hi {first}, our platform helps companies like yours boost pipeline by 30%. Can I show you a quick demo?",
    "Great to connect {first}! I'd love to show you how we help teams like yours. Book a demo here: "
    "calendly.com/kevin-walsh/demo",
]
COLD = "Hi {first}, just following up: are you the right person to talk to about sales tooling at {company}?"
MASS = ("Hi there, I came across your profile and would love to show you how our solution cuts costs. "
        "Interested in learning more?")
NOTES = [
    "Budget cycle starts next quarter; the CFO wants fewer vendors.",
    "Champion is building the business case, needs security answers first.",
    "Procurement runs a formal RFP above 50k.",
    "New COO since last month, priorities may shift.",
    "They run two CRMs after the merger; consolidation planned.",
    "Competitor incumbent, contract renews in the spring.",
]
COMPANY_CONTENT = [
    ("asset-buying-committee-report", "document", "2026 B2B Buying Committee Report", ["buying committees"]),
    ("asset-northwind-story", "asset", "Customer story: how a logistics team cut onboarding time in half",
     ["customer onboarding"]),
    ("asset-webinar-large-centres", "video", "Webinar: selling to large buying centres",
     ["buying committees", "procurement"]),
    ("asset-roi-calculator", "asset", "Pipeline quality calculator", ["pipeline quality"]),
    ("asset-social-without-spam", "document", "Guide: social selling without the spam", ["AI in sales"]),
    ("asset-security-faq", "document", "Security review FAQ for buyers", ["security reviews"]),
]
POSTS = ["Three questions I ask every new champion", "What procurement taught me about timing",
         "Why we stopped cold pitching on LinkedIn", "Mapping a buying centre in a week",
         "The meeting that almost didn't happen", "Lessons from 100 discovery calls",
         "How finance teams read a business case", "Security reviews are a sales stage",
         "What I learned from a lost deal", "Onboarding starts before the contract",
         "Five signals a buying committee is forming", "Stop sending decks, start asking questions",
         "A champion is not a decision maker", "What a CFO wants to see in week one",
         "Notes from our customer advisory board", "Why multi-threading saves deals",
         "The cost of a rushed discovery call", "How we plan account research on Mondays",
         "When to bring in procurement", "What buyers told us about LinkedIn outreach"]
STAGES = ["Qualification", "Proposal", "Negotiation"]
SIGNALS = ["funding", "hiring", "job_change", "company_news", "pain_point", "competitor_mention", "topic_post"]


def slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


@dataclass
class Person:
    first: str
    last: str
    title: str
    company: str
    handle: str

    def as_event(self) -> dict[str, str]:
        return {"profile_url": f"https://www.linkedin.com/in/{self.handle}", "name": f"{self.first} {self.last}",
                "title": self.title, "company": self.company}


@dataclass
class Stakeholder:
    stakeholder_id: str
    account_id: str
    role: str
    person: Person


@dataclass
class Account:
    account_id: str
    name: str
    tier: str
    industry: str
    owner: str
    stakeholders: list[Stakeholder] = field(default_factory=list)
    quadrant: str = ""


@dataclass
class DemoSet:
    """What `generate` makes: the events, the accounts, and what a loaded stack should then show."""

    anchor: date
    events: list[Event]
    accounts: list[Account]
    closed_opportunities: int
    alerts: dict[str, set[str]]  # rep → the dark-side alert kinds the data is built to raise

    @property
    def reps(self) -> list[Rep]:
        return REPS


class Builder:
    def __init__(self, anchor: date):
        self.rng = random.Random(SEED)
        self.start = datetime.combine(anchor, datetime.min.time(), tzinfo=UTC)
        self.events: list[Event] = []
        self.counters: dict[str, int] = {}
        self.handles: set[str] = set()

    def at(self, day: float, hour: float | None = None) -> datetime:
        """A moment `day` days before the anchor (negative), at `hour` (a working hour when None)."""
        if hour is None:
            hour = self.rng.uniform(8, 18.9)
        return self.start + timedelta(days=int(day), hours=hour)

    def day(self, first: int = -DAYS, last: int = -1) -> int:
        return self.rng.randint(first, last)

    def key(self, kind: str) -> str:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return f"{kind}-{self.counters[kind]}"

    def emit(self, type_: str, when: datetime, key: str, **data: Any) -> Event:
        when = min(when, self.start - timedelta(minutes=1))  # nothing after the end of yesterday
        event = new_event(type=f"rapport.{type_}", tenant_id=TENANT, source=SOURCE, time=when, data=data,
                          id=f"demo-{uuid.uuid5(ID_NAMESPACE, f'{type_}|{key}')}")
        self.events.append(event)
        return event

    def person(self, company: str, title: str) -> Person:
        while True:
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            handle = f"{slug(first)}-{slug(last)}-{self.rng.randint(1000, 9999)}"
            if handle not in self.handles:
                self.handles.add(handle)
                return Person(first, last, title, company, handle)


def _accounts(b: Builder) -> list[Account]:
    accounts = []
    for name, tier, industry, employees, region, revenue, size, owner in ACCOUNTS:
        account = Account(f"acct-{slug(name)}", name, tier, industry, owner)
        b.emit("insight.account.upserted", b.at(-DAYS - 5, 9), account.account_id, account_id=account.account_id,
               name=name, tier=tier, industry=industry, employees=employees, region=region,
               revenue=revenue * 1_000_000)
        roles = ROLE_ORDER[:6] if size >= 6 else ROLE_ORDER[:size]
        roles = roles + ["unknown"] * (size - len(roles))
        for n, role in enumerate(roles, start=1):
            person = b.person(name, b.rng.choice(TITLES[role]))
            s = Stakeholder(f"stk-{slug(name)}-{n}", account.account_id, role, person)
            account.stakeholders.append(s)
            b.emit("insight.stakeholder.identified", b.at(-DAYS - 4 + n, 10), s.stakeholder_id,
                   stakeholder_id=s.stakeholder_id, account_id=account.account_id, person=person.as_event(),
                   role=role, seniority=SENIORITY[role])
        status = "high" if tier in ("strategic", "key") else "low"
        account.quadrant = f"{status}_status_{'large' if size >= 4 else 'small'}_centre"
        accounts.append(account)
    # two people who left their buying centre: mapped, then departed (not counted any more)
    for account in (accounts[0], accounts[18]):
        person = b.person(account.name, "Former Head of Procurement")
        sid = f"stk-{account.account_id.removeprefix('acct-')}-departed"
        b.emit("insight.stakeholder.identified", b.at(-DAYS - 3, 11), sid, stakeholder_id=sid,
               account_id=account.account_id, person=person.as_event(), role="gatekeeper", seniority="manager")
        b.emit("insight.stakeholder.departed", b.at(-40, 12), sid, stakeholder_id=sid,
               account_id=account.account_id)
    return accounts


def _conversation(b: Builder, rep: Rep, who: Person, day: int, *, style: Style, industry: str,
                  buyer_first: bool = False) -> str:
    """One conversation: a few turns, the buyer answering with the style's reply chance."""
    cid = b.key(f"conv-{rep.rep_id}")
    topic = b.rng.choice(TOPICS)
    fill = {"first": who.first, "rep": rep.name.split()[0], "topic": topic, "industry": industry.lower(),
            "company": who.company}
    person = who.as_event()
    when = b.at(day)
    outbound = not buyer_first
    text = (b.rng.choice(BUYER_OPENERS) if buyer_first else b.rng.choice(OPENERS)).format(**fill)
    for turn in range(b.rng.randint(2, 5)):
        kind = "network.message.sent" if outbound else "network.message.received"
        b.emit(kind, when, f"{cid}-{turn}", rep_id=rep.rep_id, conversation_id=cid, person=person,
               channel="linkedin" if b.rng.random() < 0.85 else "email", text=text)
        if outbound and b.rng.random() > style.reply:
            break  # unanswered
        outbound = not outbound
        when += timedelta(hours=b.rng.uniform(1, 48))
        text = (b.rng.choice(FOLLOW_UPS) if outbound else b.rng.choice(REPLIES)).format(**fill)
    return cid


def _rep_activity(b: Builder, rep: Rep, mine: list[Account], everyone: list[Account],
                  strangers: list[Person]) -> None:
    style = STYLES[rep.style]
    lv = rep.level
    people = [s for a in mine for s in a.stakeholders]
    industry = {a.account_id: a.industry for a in everyone}
    # research: profile views, notes, follows
    for _ in range(round(style.views_per_week * lv * DAYS / 7)):
        target = b.rng.choice(people)
        b.emit("insight.profile.viewed", b.at(b.day()), b.key(f"view-{rep.rep_id}"), rep_id=rep.rep_id,
               person=target.person.as_event())
    for _ in range(round(style.notes_per_month * lv * DAYS / 30)):
        account = b.rng.choice(mine)
        b.emit("insight.note.recorded", b.at(b.day()), b.key(f"note-{rep.rep_id}"), rep_id=rep.rep_id,
               account_id=account.account_id, text=b.rng.choice(NOTES))
    for account in mine:
        b.emit("insight.account.followed", b.at(-DAYS + b.rng.randint(0, 10)), f"follow-{rep.rep_id}-"
               f"{account.account_id}", rep_id=rep.rep_id, company=account.name, account_id=account.account_id)
    # signals on the rep's accounts, acted on (or not) in the style's time
    for account in mine:
        for _ in range(b.rng.randint(2, 5)):
            sid = b.key("signal")
            captured = b.at(b.day(-DAYS, -3))
            b.emit("insight.signal.captured", captured, sid, signal_id=sid, kind=b.rng.choice(SIGNALS),
                   strength=round(b.rng.uniform(0.3, 0.95), 2), account_id=account.account_id,
                   source="linkedin sales navigator")
            if b.rng.random() < style.action_share:
                b.emit("insight.signal.actioned", captured + timedelta(hours=b.rng.uniform(*style.action_hours)),
                       f"{sid}-action", signal_id=sid, rep_id=rep.rep_id,
                       action=b.rng.choice(["sent a note", "shared content", "called the champion",
                                            "updated the account plan"]))
    # connections with the buying centres, conversations, meetings
    for s in people:
        if b.rng.random() > style.reach_share * (0.6 + 0.4 * lv):
            continue
        day = b.day(-DAYS, -5)
        requested = b.at(day)
        b.emit("network.connection.requested", requested, f"req-{rep.rep_id}-{s.stakeholder_id}", rep_id=rep.rep_id,
               person=s.person.as_event(), direction="outbound")
        roll = b.rng.random()
        if roll > style.accept:
            outcome = "network.connection.declined" if roll > style.accept + (1 - style.accept) / 2 else None
            if outcome:
                b.emit(outcome, requested + timedelta(days=3), f"dec-{rep.rep_id}-{s.stakeholder_id}",
                       rep_id=rep.rep_id, person=s.person.as_event())
            continue
        accepted = requested + timedelta(hours=b.rng.uniform(3, 96))
        b.emit("network.connection.accepted", accepted, f"acc-{rep.rep_id}-{s.stakeholder_id}", rep_id=rep.rep_id,
               person=s.person.as_event())
        for n in range(int(style.conversations + b.rng.random())):
            start_day = min(-1, (accepted - b.start).days + 2 + b.rng.randint(0, 30) * (n + 1))
            cid = _conversation(b, rep, s.person, start_day, style=style, industry=industry[s.account_id])
            if b.rng.random() < 0.35 * style.reply * 2:
                mid = b.key(f"meeting-{rep.rep_id}")
                booked = b.at(min(-1, start_day + b.rng.randint(1, 5)))
                kind = b.rng.choice(["video", "video", "call", "in_person"])
                b.emit("network.meeting.booked", booked, mid, rep_id=rep.rep_id, meeting_id=mid, kind=kind,
                       person=s.person.as_event(), account_id=s.account_id, conversation_id=cid)
                if b.rng.random() < 0.8:
                    b.emit("network.meeting.held", booked + timedelta(days=b.rng.randint(2, 8)), f"{mid}-held",
                           rep_id=rep.rep_id, meeting_id=mid, kind=kind, account_id=s.account_id,
                           person=s.person.as_event(), conversation_id=cid)
    for _ in range(round(style.buyer_first * lv)):
        s = b.rng.choice(people)
        _conversation(b, rep, s.person, b.day(-DAYS, -2), style=style, industry=industry[s.account_id],
                      buyer_first=True)
    # network growth and inbound requests from outside the buying centres
    for i in range(round(style.strangers * lv)):
        who = b.rng.choice(strangers)
        when = b.at(b.day())
        b.emit("network.connection.requested", when, f"sreq-{rep.rep_id}-{i}", rep_id=rep.rep_id,
               person=who.as_event(), direction="outbound")
        b.emit("network.connection.accepted", when + timedelta(hours=b.rng.uniform(2, 72)), f"sacc-{rep.rep_id}-{i}",
               rep_id=rep.rep_id, person=who.as_event())
    for i in range(round(style.inbound * lv)):
        who = b.rng.choice(strangers + [s.person for s in people])
        when = b.at(b.day())
        b.emit("network.connection.requested", when, f"inreq-{rep.rep_id}-{i}", rep_id=rep.rep_id,
               person=who.as_event(), direction="inbound", message="Enjoyed your posts, would love to connect.")
        b.emit("network.connection.accepted", when + timedelta(hours=b.rng.uniform(1, 30)),
               f"inacc-{rep.rep_id}-{i}", rep_id=rep.rep_id, person=who.as_event())
    for i in range(round(style.endorsements * lv)):
        who = b.rng.choice(strangers + [s.person for s in people])
        if i % 4 == 3:
            b.emit("network.recommendation.received", b.at(b.day()), f"rec-{rep.rep_id}-{i}", rep_id=rep.rep_id,
                   person=who.as_event(), text=f"{rep.name.split()[0]} understood our buying process better "
                                               "than we did, and never pushed.")
        else:
            b.emit("network.endorsement.received", b.at(b.day()), f"end-{rep.rep_id}-{i}", rep_id=rep.rep_id,
                   person=who.as_event(), skill=b.rng.choice(["Solution Selling", "Negotiation", "SaaS",
                                                              "Account Management"]))
    # engagement the rep gives to stakeholders' posts
    for i in range(round(6 * lv * style.reach_share)):
        s = b.rng.choice(people)
        b.emit("content.engagement.given", b.at(b.day()), f"given-{rep.rep_id}-{i}", rep_id=rep.rep_id,
               kind=b.rng.choice(["like", "comment", "praise", "like"]), person=s.person.as_event(),
               link=f"https://www.linkedin.com/feed/update/urn:li:activity:{b.rng.randint(10**18, 10**19)}")


def _content(b: Builder, rep: Rep, mine: list[Account], strangers: list[Person]) -> None:
    """The rep's posts and shares of company content, and who engaged with them."""
    style = STYLES[rep.style]
    people = [s for a in mine for s in a.stakeholders]
    items: list[tuple[str, int]] = []
    titles = b.rng.sample(POSTS, k=min(len(POSTS), round(style.posts * rep.level)))
    for i, title in enumerate(titles):
        cid = f"post-{rep.rep_id.removeprefix('rep-')}-{i + 1}"
        day = b.day(-DAYS + 2, -2)
        b.emit("content.item.published", b.at(day), cid, content_id=cid, kind=b.rng.choice(["post", "post", "article"]),
               title=title, topics=b.rng.sample(TOPICS, 2), owner=rep.rep_id,
               url=f"https://www.linkedin.com/posts/{cid}")
        items.append((cid, day))
    for i in range(round(style.shares * rep.level)):
        cid = COMPANY_CONTENT[(i + len(rep.rep_id)) % len(COMPANY_CONTENT)][0]
        day = b.day(-DAYS + 12, -2)
        b.emit("content.item.shared", b.at(day), f"share-{rep.rep_id}-{i}", content_id=cid, rep_id=rep.rep_id,
               channel=b.rng.choice(["linkedin", "linkedin", "email"]))
        items.append((cid, day))
    for n, (cid, day) in enumerate(items):
        for s in b.rng.sample(people, k=min(len(people), b.rng.randint(0, 3))):
            kinds = b.rng.sample(["view", "like", "comment", "click", "download", "share"], k=b.rng.randint(1, 3))
            for kind in kinds:
                b.emit("content.engagement.recorded", b.at(min(-1, day + b.rng.randint(0, 4))),
                       f"eng-{rep.rep_id}-{n}-{s.stakeholder_id}-{kind}", content_id=cid, rep_id=rep.rep_id,
                       person=s.person.as_event(), kind=kind)
        reach = min(len(strangers), round(style.reach * b.rng.uniform(0.5, 1.2)))
        for i, who in enumerate(b.rng.sample(strangers, k=reach)):
            kind = "view" if b.rng.random() < 0.6 else b.rng.choice(["like", "like", "click", "comment"])
            b.emit("content.engagement.recorded", b.at(min(-1, day + b.rng.randint(0, 6))),
                   f"seng-{rep.rep_id}-{n}-{i}", content_id=cid, rep_id=rep.rep_id, person=who.as_event(), kind=kind)


def _dark_side(b: Builder, everyone: list[Account], strangers: list[Person]) -> dict[str, set[str]]:
    """The spammer's cold volume, mass message and connect-then-pitch; the intrusive prospector's
    outreach into low-status, large buying centres; one hasty pitch by a good rep."""
    kevin = next(r for r in REPS if r.style == "spammer")
    cold = strangers[:42]
    for i, who in enumerate(cold):
        cid = f"conv-{kevin.rep_id}-cold-{i}"
        when = b.at(-26 + i * 25 // len(cold))
        b.emit("network.message.sent", when, cid, rep_id=kevin.rep_id, conversation_id=cid, person=who.as_event(),
               channel="linkedin", text=COLD.format(first=who.first, company=who.company))
        if i % 21 == 5:
            b.emit("network.message.received", when + timedelta(hours=20), f"{cid}-reply", rep_id=kevin.rep_id,
                   conversation_id=cid, person=who.as_event(), channel="linkedin",
                   text="Not the right person, sorry.")
    for i, who in enumerate(strangers[42:48]):
        cid = f"conv-{kevin.rep_id}-mass-{i}"
        b.emit("network.message.sent", b.at(-6, 9 + i / 6), cid, rep_id=kevin.rep_id, conversation_id=cid,
               person=who.as_event(), channel="linkedin", text=MASS)
    for i in range(3):  # new contacts at Zephyr Airlines, pitched minutes after accepting
        who = b.person("Zephyr Airlines", ["Head of Customer Experience", "IT Director", "Sales Director"][i])
        day = -20 + 6 * i
        b.emit("network.connection.requested", b.at(day, 9), f"ctp-req-{i}", rep_id=kevin.rep_id,
               person=who.as_event(), direction="outbound")
        accepted = b.at(day + 1, 10)
        b.emit("network.connection.accepted", accepted, f"ctp-acc-{i}", rep_id=kevin.rep_id, person=who.as_event())
        cid = f"conv-{kevin.rep_id}-ctp-{i}"
        b.emit("network.message.sent", accepted + timedelta(minutes=20 + 15 * i), cid, rep_id=kevin.rep_id,
               conversation_id=cid, person=who.as_event(), channel="linkedin", text=PITCHES[i].format(first=who.first))
    tom = next(r for r in REPS if r.style == "intrusive")
    low_large = [s for a in everyone if a.quadrant == "low_status_large_centre" for s in a.stakeholders]
    for i, s in enumerate(low_large[:14]):
        day = -24 + i
        b.emit("network.connection.requested", b.at(day, 10), f"intr-req-{s.stakeholder_id}", rep_id=tom.rep_id,
               person=s.person.as_event(), direction="outbound")
        cid = f"conv-{tom.rep_id}-intr-{i}"
        b.emit("network.message.sent", b.at(day, 10.5), cid, rep_id=tom.rep_id, conversation_id=cid,
               person=s.person.as_event(), channel="linkedin",
               text=OPENERS[0].format(first=s.person.first, topic="procurement"))
        if i % 3 == 0:
            b.emit("network.connection.accepted", b.at(day + 1, 15), f"intr-acc-{s.stakeholder_id}",
                   rep_id=tom.rep_id, person=s.person.as_event())
    sofia = next(r for r in REPS if r.rep_id == "rep-sofia-rossi")
    who = b.person("Nimbus Cloud", "Head of Partnerships")
    b.emit("network.connection.accepted", b.at(-9, 9), "hasty-acc", rep_id=sofia.rep_id, person=who.as_event())
    b.emit("network.message.sent", b.at(-9, 21), "hasty-pitch", rep_id=sofia.rep_id,
           conversation_id=f"conv-{sofia.rep_id}-hasty", person=who.as_event(), channel="linkedin",
           text=f"Thanks for accepting, {who.first}! Could we hop on a call this week to walk you through "
                "our platform?")
    return {kevin.rep_id: {"spam_pattern", "mass_message", "connect_then_pitch"}, tom.rep_id: {"intrusive_outreach"},
            sofia.rep_id: {"connect_then_pitch"}}


def _outcomes(b: Builder, rep: Rep, mine: list[Account], strangers: list[Person]) -> int:
    """Leads, opportunities through their stages, closes; returns how many closed. The share won
    is the style's (the deals won are drawn at random), so better reps do win more."""
    style = STYLES[rep.style]
    sizes = {"strategic": (80_000, 260_000), "key": (25_000, 95_000), "standard": (6_000, 30_000)}
    closing: list[tuple[str, int, float]] = []
    for account in mine:
        for n in range(b.rng.randint(2, 4) + (1 if rep.style in ("star", "networker") else 0)):
            base = f"{account.account_id}-{rep.rep_id.removeprefix('rep-')}-{n + 1}"
            lead_day = b.day(-DAYS, -20)
            source = b.rng.choice(["linkedin", "inbound", "event", "referral", "outbound"])
            b.emit("outcome.lead.created", b.at(lead_day), f"lead-{base}", lead_id=f"lead-{base}", rep_id=rep.rep_id,
                   account_id=account.account_id, source=source)
            if b.rng.random() > 0.35 + 0.5 * rep.level:
                continue  # never qualified
            qualified = lead_day + b.rng.randint(2, 10)
            b.emit("outcome.lead.qualified", b.at(qualified), f"lead-{base}-q", lead_id=f"lead-{base}",
                   rep_id=rep.rep_id, account_id=account.account_id, source=source)
            opp = f"opp-{base}"
            amount = round(b.rng.uniform(*sizes[account.tier]), -2)
            created = qualified + b.rng.randint(1, 7)
            b.emit("outcome.opportunity.created", b.at(created), opp, opportunity_id=opp, rep_id=rep.rep_id,
                   account_id=account.account_id, amount=amount, stage="Prospecting")
            cycle = b.rng.randint(15, 70)
            for k, stage in enumerate(STAGES):
                day = created + cycle * (k + 1) // (len(STAGES) + 1)
                if day > -1:
                    break
                b.emit("outcome.opportunity.stage_changed", b.at(day), f"{opp}-{stage}", opportunity_id=opp,
                       stage=stage)
            if created + cycle <= -1:
                closing.append((opp, created + cycle, amount))
    b.rng.shuffle(closing)
    wins = round(style.win * len(closing))
    for i, (opp, day, amount) in enumerate(closing):
        won = i < wins
        b.emit("outcome.opportunity.closed", b.at(day), f"{opp}-closed", opportunity_id=opp, won=won,
               amount=amount if won else 0)
    for i in range(round(3 * rep.level * style.win)):
        b.emit("outcome.referral.received", b.at(b.day()), f"ref-{rep.rep_id}-{i}", rep_id=rep.rep_id,
               person=b.rng.choice(strangers).as_event())
    return len(closing)


def generate(anchor: date) -> DemoSet:
    """The demo events for the 120 days before `anchor` (deterministic: the same anchor, the same events)."""
    b = Builder(anchor)
    accounts = _accounts(b)
    for asset_id, kind, title, topics in COMPANY_CONTENT:
        b.emit("content.item.published", b.at(-DAYS + 1 + len(title) % 9, 9), asset_id, content_id=asset_id,
               kind=kind, title=title, topics=topics, owner="company", url=f"https://example.com/library/{asset_id}")
    strangers = [b.person(company, title) for company, title in (
        (b.rng.choice(["Brightside Ltd", "Quantum Works", "Oakridge Partners", "Polar Labs", "Nova Retail",
                       "Crescent Group", "Evergreen Co"]),
         b.rng.choice(["Account Executive", "Marketing Manager", "Founder", "Data Analyst", "Recruiter",
                       "Product Manager"])) for _ in range(160))]
    closed = 0
    for rep in REPS:
        mine = [a for a in accounts if a.owner == rep.rep_id]
        _rep_activity(b, rep, mine, accounts, strangers)
        _content(b, rep, mine, strangers)
        closed += _outcomes(b, rep, mine, strangers)
    alerts = _dark_side(b, accounts, strangers)
    setup = ("rapport.insight.account.upserted", "rapport.insight.stakeholder.identified")
    events = sorted(b.events, key=lambda e: (e["type"] not in setup, e["time"], e["id"]))
    return DemoSet(anchor=anchor, events=events, accounts=accounts, closed_opportunities=closed, alerts=alerts)


# ---------------------------------------------------------------------------------------------- loading


@dataclass
class LoadResult:
    demo: DemoSet
    accepted: int = 0
    duplicates: int = 0
    directory: bool = False  # whether teams and reps went into the gateway's directory
    notes: list[str] = field(default_factory=list)


def anchor_day(state_dir: Path | None, today: date | None = None) -> date:
    """The day the data set is anchored on: the one kept in `state_dir`, else today (then kept)."""
    today = today or datetime.now(UTC).date()
    if state_dir is None:
        return today
    path = state_dir / "demo-anchor"
    try:
        return date.fromisoformat(path.read_text().strip())
    except (OSError, ValueError):
        state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(today.isoformat() + "\n")
        return today


def _optional(client: httpx.Client, method: str, path: str, body: dict[str, Any], result: LoadResult) -> bool:
    """Call a route that may not exist yet; True when it took the request (or already had it)."""
    response = client.request(method, path, json=body)
    if response.status_code in (200, 201, 202, 204, 409):
        return True
    if response.status_code in (404, 405):
        result.notes.append(f"{method} {path} is not available ({response.status_code}); skipped")
    else:
        result.notes.append(f"{method} {path} → {response.status_code}: {response.text[:300]}")
    return False


def _directory(client: httpx.Client, result: LoadResult) -> None:
    _optional(client, "POST", "/v1/admin/tenants", {"tenant_id": TENANT, "name": "Demo"}, result)
    teams = all([_optional(client, "POST", "/v1/admin/teams", {"team_id": t, "name": n}, result)
                 for t, n in TEAMS.items()])
    reps = teams and all([_optional(client, "POST", "/v1/admin/reps",
                                    {"rep_id": r.rep_id, "name": r.name, "team_id": r.team_id}, result)
                          for r in REPS])
    result.directory = bool(reps)


def batches(events: list[Event], size: int) -> Iterator[list[Event]]:
    for start in range(0, len(events), size):
        yield events[start:start + size]


def load(base_url: str, token: str, *, anchor: date | None = None, batch: int = 500,
         progress: Callable[[str], None] = print, should_stop: Callable[[], bool] = lambda: False,
         timeout: float = 120) -> LoadResult:
    """Post the demo data set to the gateway at `base_url` as tenant demo's admin (idempotent)."""
    demo = generate(anchor or datetime.now(UTC).date())
    result = LoadResult(demo=demo)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=timeout) as client:
        _directory(client, result)
        if not _optional(client, "PUT", "/v1/settings/icp", ICP, result):
            result.notes.append("the ideal customer profile was not set: accounts show no ICP fit")
        total = len(demo.events)
        for n, chunk in enumerate(batches(demo.events, batch), start=1):
            if should_stop():
                result.notes.append("stopped before every event was posted")
                break
            response = client.post("/v1/events", json=chunk)
            if response.status_code != 202:
                raise RuntimeError(f"POST /v1/events refused a demo batch: {response.status_code} "
                                   f"{response.text[:500]}")
            counts = response.json()
            result.accepted += counts["accepted"]
            result.duplicates += counts["duplicates"]
            done = min(n * batch, total)
            progress(f"  demo data: {done}/{total} events posted ({result.accepted} new, "
                     f"{result.duplicates} already there)")
    return result


def wait_applied(base_url: str, token: str, demo: DemoSet, *, timeout: float = 180,
                 progress: Callable[[str], None] | None = None) -> None:
    """Wait until the services have applied the data set: every rep on the leaderboard, every
    account placed, every closed opportunity reported, every planned alert raised, and the
    leaderboard unchanged for 8 s (longer than the scorer takes to rebuild today's board after the
    last change of buying centres: docs/scoring.md)."""
    deadline = time.monotonic() + timeout
    missing = "everything"
    previous: Any = None
    steady_since = time.monotonic()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        while time.monotonic() < deadline:
            missing = _missing(client, demo)
            if not missing:
                board = client.get("/v1/leaderboard", params={"limit": 1000}).json()
                if board != previous:
                    previous, steady_since = board, time.monotonic()
                elif time.monotonic() - steady_since >= 8:
                    return
                missing = "the leaderboard still changing"
            if progress:
                progress(f"  waiting for the services to apply the demo data ({missing})")
            time.sleep(2)
    raise RuntimeError(f"the demo data was not applied within {timeout:.0f} s: {missing}")


def _missing(client: httpx.Client, demo: DemoSet) -> str:
    board = client.get("/v1/leaderboard", params={"limit": 1000, "date": demo.anchor.isoformat()}).json()
    ours = {r.rep_id for r in REPS}
    on_board = {r["rep_id"] for r in board.get("reps", [])} & ours
    if on_board != ours:
        return f"{len(on_board)}/{len(ours)} reps scored"
    accounts = client.get("/v1/accounts", params={"limit": 500}).json().get("items", [])
    placed = {a["account_id"] for a in accounts if a.get("quadrant")} & {a.account_id for a in demo.accounts}
    if len(placed) < len(demo.accounts):
        return f"{len(placed)}/{len(demo.accounts)} accounts placed"
    groups = client.get("/v1/reports/outcomes", params={"group_by": "rep"}).json().get("groups", [])
    closed = sum(g["won"] + g["lost"] for g in groups if g.get("rep_id") in ours)
    if closed < demo.closed_opportunities:
        return f"{closed}/{demo.closed_opportunities} closed opportunities reported"
    for rep_id, kinds in demo.alerts.items():
        raised = {a["kind"] for a in client.get(f"/v1/reps/{rep_id}/alerts").json().get("alerts", [])}
        if not kinds <= raised:
            return f"alerts of {rep_id}: {sorted(raised)} of {sorted(kinds)}"
    recommendation = client.get(f"/v1/accounts/{demo.accounts[-1].account_id}/recommendation")
    if recommendation.status_code != 200:
        return "recommendations"
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load Rapport's demo data set into tenant demo of a running stack.")
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('RAPPORT_GATEWAY_PORT', '8080')}")
    parser.add_argument("--token", default=os.environ.get("RAPPORT_BOOTSTRAP_TOKEN", ""),
                        help="an admin key of tenant demo (default: $RAPPORT_BOOTSTRAP_TOKEN)")
    parser.add_argument("--anchor", type=date.fromisoformat, help="the day after the last demo day (default: today)")
    parser.add_argument("--wait", action="store_true", help="wait until the services have applied it")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token or RAPPORT_BOOTSTRAP_TOKEN is required")
    result = load(args.url, args.token, anchor=args.anchor)
    for note in result.notes:
        print(f"  note: {note}")
    if args.wait:
        wait_applied(args.url, args.token, result.demo, progress=print)
    print(f"demo data: {result.accepted} events accepted, {result.duplicates} already there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
