"""Pitch detection: is an outbound message a sales pitch?

The seeds say "connect, then immediately pitch" is *not* social selling and that InMail can be
"the new spam". Scoring needs to know which outbound messages are pitches to find
connect-then-pitch and spam patterns. Events may say so themselves (``is_pitch``); when they do
not, this module decides from the text with a small, transparent rule set. No machine learning:
every verdict names the rules that produced it, so a rep can see why a message counted.

Decisions
---------
* **English only.** Patterns are English phrases; text in other languages will rarely fire any
  rule and so is classified "not a pitch" (a deliberate false-negative bias: we would rather miss
  a pitch than accuse a rep of one).
* Text is lower-cased, curly quotes are straightened and whitespace is collapsed before matching.
* Each rule counts at most once, however often its phrases occur.
* ``score = clamp(sum of the weights of the rules that fired, 0, 1)``;
  ``is_pitch = score >= THRESHOLD`` with ``THRESHOLD = 0.5``.
* **Strong** rules (an ask or a product push) weigh 0.5 or more, so one is enough on its own.
  **Weak** rules (money, offers, urgency, templates) weigh 0.30-0.35: any two make a pitch, one
  alone does not (a message that mentions "price" in passing is not a pitch).
* **Courtesy** rules have negative weights and fire only when *no strong rule* fired: a
  "thanks for connecting" cannot excuse a demo request, but it can outweigh one stray money word.
* ``explicit`` (the event's own ``is_pitch``) decides the verdict when given; the rules are still
  evaluated and reported (plus ``explicit_flag``) and ``score`` stays the text's own score, so a
  disagreement between the flag and the text stays visible.
* Empty or missing text without ``explicit``: not a pitch, score 0, rule ``no_text``.

Rules (weight, example that fires it)
-------------------------------------
Strong pitch rules:

* ``demo_or_trial`` (+0.60) demo, trial or pilot offers: "Can I show you a quick demo?"
* ``scheduling_link`` (+0.60) booking links and "book time": "Grab a slot: calendly.com/ana/30min"
* ``meeting_request`` (+0.50) asking for a call: "Could we hop on a call this week?"
* ``product_push`` (+0.50) pushing the rep's product: "I'd love to show you how we help teams
  like yours."
* ``call_to_action`` (+0.50) sales CTA: "Would you be open to a conversation?"

Weak pitch rules:

* ``pricing`` (+0.35) price, discount, quote, currency amounts, "% off", budget:
  "Our pricing starts at $49 per seat."
* ``roi_promise`` (+0.35) ROI and outcome promises: "Clients boost pipeline by 30%."
* ``buy_offer`` (+0.30) buy, purchase, offer, deal, sign up: "Sign up today."
* ``urgency`` (+0.30) pressure to act now: "This offer expires Friday."
* ``cold_opener`` (+0.30) cold-outreach template phrases and follow-up nags:
  "Just following up on my last note."
* ``template_placeholder`` (+0.35) an unfilled mail-merge field: "Hi {first_name},"

Courtesy rules (only when no strong rule fired):

* ``thanks_for_connecting`` (-0.25) "Thanks for connecting, great to meet you."
* ``congratulations`` (-0.30) "Congratulations on the new role!"
* ``content_share`` (-0.25) "Thought you might find this article useful."
* ``opinion_question`` (-0.30) "What's your take on the new regulation?"

Markers (not text rules): ``no_text`` (nothing to read), ``explicit_flag`` (verdict came from
the event's ``is_pitch``). docs/pitch-rules.md documents the same rules; a unit test keeps the
two in step.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any

THRESHOLD = 0.5
NO_TEXT = "no_text"
EXPLICIT_FLAG = "explicit_flag"


@dataclass(frozen=True)
class PitchVerdict:
    is_pitch: bool
    score: float  # 0..1
    rules: tuple[str, ...]  # names of rules that fired, for explanation


@dataclass(frozen=True)
class Rule:
    """One named signal: fires when any of its patterns matches the normalised text."""

    name: str
    weight: float
    strong: bool
    explanation: str
    example: str
    patterns: tuple[re.Pattern[str], ...]
    # the patterns as one alternation: the same verdict as trying each in turn, about 3x faster
    combined: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        joined = "|".join(f"(?:{p.pattern})" for p in self.patterns) or r"(?!)"  # no pattern: never fires
        first = first_chars(self.patterns)
        # a match can only start at a character some pattern starts with: looking at that one character
        # first spares trying every pattern at every other position (3-5x faster on a typical message)
        object.__setattr__(self, "combined", re.compile(f"(?=[{first}])(?:{joined})" if first else joined))

    def matches(self, normalised: str) -> bool:
        return self.combined.search(normalised) is not None


# the parse tree of a pattern, for first_chars (the standard library's own parser; typeshed has no stubs)
_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")


class _Unknown(Exception):
    """A pattern construct `first_chars` does not follow: no prefilter for that rule."""


_CATEGORIES = {_c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_SPACE: r"\s", _c.CATEGORY_WORD: r"\w"}


def first_chars(patterns: tuple[re.Pattern[str], ...]) -> str | None:
    """The characters (as the inside of a character class) that every match of any of `patterns`
    starts with, found from the patterns' parse trees (`re._parser`); None when some pattern can
    match the empty string or uses a construct this does not follow (then no prefilter: the verdict
    is the same, only slower)."""
    try:
        found: set[str] = set()
        for pattern in patterns:
            if pattern.flags & re.IGNORECASE:  # the characters below are taken as written
                return None
            chars, empty = _first_of(list(_parser.parse(pattern.pattern, pattern.flags)))
            if empty:
                return None
            found |= chars
        return "".join(sorted(found)) or None
    except _Unknown:
        return None


def _first_of(items: list[tuple[object, object]]) -> tuple[set[str], bool]:
    """(first characters, can be empty) of a sequence of parsed items."""
    found: set[str] = set()
    for op, av in items:
        chars, empty = _first_item(op, av)
        found |= chars
        if not empty:
            return found, False
    return found, True


def _char(code: int) -> str:
    return f"\\U{code:08x}"


def _first_item(op: object, av: Any) -> tuple[set[str], bool]:
    if op is _c.LITERAL:
        return {_char(av)}, False
    if op is _c.IN:
        chars = set()
        for kind, value in av:
            if kind is _c.LITERAL:
                chars.add(_char(value))
            elif kind is _c.RANGE:
                chars.add(f"{_char(value[0])}-{_char(value[1])}")
            elif kind is _c.CATEGORY and value in _CATEGORIES:
                chars.add(_CATEGORIES[value])
            else:  # a negated class, a negated category
                raise _Unknown
        return chars, False
    if op is _c.BRANCH:
        chars, empty = set(), False
        for branch in av[1]:
            found, may_be_empty = _first_of(list(branch))
            chars |= found
            empty = empty or may_be_empty
        return chars, empty
    if op is _c.SUBPATTERN:
        if av[1] & re.IGNORECASE:  # (?i:…)
            raise _Unknown
        return _first_of(list(av[3]))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        chars, empty = _first_of(list(av[2]))
        return chars, empty or av[0] == 0
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):  # zero-width: the match starts with what follows
        return set(), True
    raise _Unknown


def _rule(name: str, weight: float, explanation: str, example: str, *patterns: str) -> Rule:
    return Rule(
        name=name,
        weight=weight,
        strong=weight >= THRESHOLD,
        explanation=explanation,
        example=example,
        patterns=tuple(re.compile(p) for p in patterns),
    )


_WHO = r"(?:companies|teams|businesses|organi[sz]ations|brands|firms|startups|leaders|founders|clients|customers)"

RULES: tuple[Rule, ...] = (
    _rule(
        "demo_or_trial", 0.60, "offers a demo, a free trial or a pilot",
        "Can I show you a quick demo?",
        r"\b(?:book|schedule|see|get|give|show|request|set up|arrange|run|offer)\b[^.!?]{0,25}\bdemo\b",
        r"\b(?:a|quick|short|free|live|personali[sz]ed|custom|product) demo\b",
        r"\bfree (?:trial|pilot|assessment|audit|consultation)\b",
        r"\b(?:\d+|seven|fourteen|thirty)[- ]day (?:free )?trial\b",
        r"\btrial (?:account|period|version)\b", r"\btry (?:\S+ ){0,2}?for free\b",
    ),
    _rule(
        "scheduling_link", 0.60, "shares a booking link or asks to book time",
        "Grab a slot: calendly.com/ana/30min",
        r"calendly\.com", r"meetings\.hubspot\.com", r"\bhubspot meetings?\b", r"\bcal\.com\b",
        r"\bchili ?piper\b", r"savvycal\.com", r"youcanbook\.me", r"outlook\.office\.com/bookwithme",
        r"calendar\.app\.google", r"\bbook (?:some )?time\b", r"\b(?:grab|pick|choose|find) a (?:time|slot)\b",
        r"\b(?:booking|scheduling) link\b", r"\b(?:link to|here'?s|here is|via|on|through) my calendar\b",
    ),
    _rule(
        "meeting_request", 0.50, "asks the recipient for a call or meeting",
        "Could we hop on a call this week?",
        r"\b(?:hop|jump|get) on a (?:quick |short |brief )?(?:call|zoom|chat)\b",
        r"\b(?:schedule|set up|book|arrange|grab) (?:a |an )?(?:quick |short |brief |intro |introductory "
        r"|discovery )?(?:call|chat|meeting|zoom|conversation)\b",
        r"(?<!the )(?<!our )\bquick (?:call|chat|zoom)\b",
        r"\b(?:\d{1,2}|ten|fifteen|twenty|thirty)[- ]?min(?:ute)?s?\b[^.!]{0,30}"
        r"(?:call|chat|of your time|next week|this week|zoom|\?)",
        r"\b(?:a few|some|\d+) minutes of your time\b",
        r"\b(?:free|available|up) for a (?:quick |short )?(?:call|chat)\b",
        r"\b(?:do you have|have you got|got) (?:a minute|a moment|a few minutes|\d+ minutes|time) (?:to|for)\b",
        r"\bkeen to (?:chat|talk|connect on a call)\b",
    ),
    _rule(
        "product_push", 0.50, "pushes the sender's product, company or customer results",
        "I'd love to show you how we help teams like yours.",
        r"\bour (?:platform|solutions?|software|tool(?:s|kit)?|app|products?|services|offering|technology|saas)\b"
        r"(?! (?:team|manager|managers|org|organi[sz]ation|roadmap|council|lead|leads)\b)",
        rf"\b(?:i|we) help (?:\S+ ){{0,3}}?{_WHO}\b",
        rf"\b{_WHO} (?:just )?(?:like|similar to) (?:yours|you|your)\b",
        rf"\bhelped (?:\S+ ){{0,3}}?{_WHO}\b",
        rf"\b(?:i|we) (?:work|partner) with (?:\S+ ){{0,3}}?{_WHO}\b",
        r"\b(?:i'?d|i would|we'?d|we would) love to show you\b",
        r"\bshow you how (?:we|our|you can)\b",
        r"\bwalk you through\b",
        r"\bwe(?:'ve| have)? (?:built|developed) (?:a|an)\b",
        r"\bwe speciali[sz]e in\b",
        r"\bmy company (?:helps|offers|provides)\b",
        r"\bour (?:customers|clients) (?:typically|usually|often|see|get|save|report)\b",
    ),
    _rule(
        "call_to_action", 0.50, "a sales call to action: asks for interest, a fit or the buyer",
        "Would you be open to a conversation?",
        r"\bopen to (?:a |an )?(?:[a-z-]+ ){0,2}?(?:call|chat|conversation|discussion|demo|intro|meeting)\b",
        r"\bopen to (?:exploring|learning|discussing)\b",
        r"\bwould you like to (?:try|see|learn more|hear more|find out)\b",
        r"\binterested in (?:learning|hearing|finding out|seeing) (?:more|how)\b",
        r"\blet me know if (?:you'?re|you are|you'?d be|you would be|this is|that'?s) (?:interested"
        r"|of interest|relevant|a fit)\b",
        r"\bworth a (?:quick |short )?(?:conversation|chat|call)\b",
        r"\b(?:would|does) it make sense (?:to|for us)\b",
        r"\b(?:are you|you'?re) the right person\b",
        r"\b(?:point me to|who is|who'?s) the (?:right|best) person\b",
        r"\bwho (?:handles|is responsible for|makes (?:the )?decisions)\b",
        r"\bany interest\b",
        r"\bif (?:this|that|it) sounds (?:interesting|relevant|useful)\b",
        r"\b(?:when|what time) (?:works|would work|is good) for you\b",
    ),
    _rule(
        "pricing", 0.35, "mentions price, discount, quote, amounts of money or budget",
        "Our pricing starts at $49 per seat.",
        r"\bpric(?:e|es|ed|ing)\b", r"\bdiscount(?:s|ed|ing)?\b", r"\bquot(?:e|es|ation)\b",
        r"[$€£]\s?\d", r"\d\s?[$€£]", r"\b(?:usd|eur|gbp)\b", r"\d+\s?(?:%|percent) off\b",
        r"\bper (?:seat|user|month|licen[cs]e)\b", r"\bbudget\b",
    ),
    _rule(
        "roi_promise", 0.35, "promises ROI, savings or growth",
        "Clients boost pipeline by 30%.",
        r"\broi\b", r"\breturn on investment\b",
        r"\b(?:increase|boost|grow|double|triple|cut|reduce|save|slash|lift|improve)\w*\b[^.!?]{0,40}"
        r"\bby (?:up to |over |more than )?\d+(?:\.\d+)?\s?(?:%|x\b|percent)",
        r"\b\d+x (?:your|more|faster|roi|pipeline|revenue|growth|leads)\b",
        r"\bsave (?:you |your team )?\d+\+? (?:hours|hrs|days)\b",
        r"\bguarantee(?:d|s)?\b",
    ),
    _rule(
        "buy_offer", 0.30, "buy, purchase, offer, deal or sign-up language",
        "Sign up today.",
        r"\b(?:buy|purchase|purchasing)\b",
        r"\bbuying\b(?![ -](?:process|cent(?:re|er)|committee|journey|group|signals?))",
        r"\b(?:special|exclusive|introductory|early[- ]bird|holiday) (?:offer|deal|discount|pricing|price|rate)s?\b",
        r"\bsign(?:ing)?[- ]?up\b", r"\bregister (?:here|now|today)\b",
        r"\b(?:we|i) (?:can |could |would like to |'d like to |'d love to )?offer\b",
        r"\boffer(?:ing)? you\b", r"\bour offer(?:ing)?s?\b", r"\boffer (?:expires|ends)\b",
        r"\b(?:a|great|good|sweet|special) deal\b", r"\bno credit card\b",
    ),
    _rule(
        "urgency", 0.30, "pressure to act now",
        "This offer expires Friday.",
        r"\blimited[- ](?:time|spots?|seats?|availability)\b", r"\b(?:seats|spots|places) are limited\b",
        r"\bact (?:now|fast)\b", r"\bdon'?t miss (?:out|this)\b", r"\blast chance\b",
        r"\bexpires?\b", r"\bonly \d+ (?:spots|seats|licen[cs]es|places) left\b",
        r"\b(?:this (?:week|month) only|today only|ends (?:soon|tonight|friday|this week))\b",
    ),
    _rule(
        "cold_opener", 0.30, "stock cold-outreach phrases and follow-up nags",
        "Just following up on my last note.",
        r"\bi came across your (?:profile|company|website|name)\b",
        r"\bhope (?:this|my) (?:message|email|note) finds you\b",
        r"\bi'?ll keep (?:this|it) (?:short|brief)\b",
        r"\breaching out (?:because|to (?:see|introduce|share|offer|explore))\b",
        r"\b(?:following|circling) (?:up|back)\b", r"\bbump(?:ing)? (?:this|my)\b",
        r"\bhaven'?t heard back\b", r"\btop of your inbox\b", r"\bdid you (?:get|have) a chance to\b",
        r"\b(?:allow me to|i wanted to|let me) introduce\b", r"\bquick question\b",
        r"\bpain points?\b", r"\btouch base\b", r"\bare you still using\b",
        r"\bi noticed (?:that )?(?:you|your company)\b",
    ),
    _rule(
        "template_placeholder", 0.35, "an unfilled mail-merge field (mass message)",
        "Hi {first_name},",
        r"\{\{?\s*[a-z_ ]+\s*\}\}?",
        r"\[(?:first ?name|last ?name|name|company(?: name)?|title|prospect)\]",
        r"<(?:first ?name|name|company)>", r"%(?:first_?name|company)%",
    ),
    _rule(
        "thanks_for_connecting", -0.25, "thanks or greets a new connection, without an ask",
        "Thanks for connecting, great to meet you.",
        r"\bthanks? (?:you )?for (?:connecting|the connection|accepting|the add|adding me)\b",
        r"\b(?:great|nice|glad|good|lovely|happy|a pleasure) to (?:connect|be connected)\b",
        r"\bpleasure connecting\b", r"\bappreciate the connection\b",
    ),
    _rule(
        "congratulations", -0.30, "congratulates, without an ask",
        "Congratulations on the new role!",
        r"\bcongrat(?:s|ulations?)?\b", r"\bwell[- ]deserved\b", r"\bhappy (?:work )?(?:anniversary|birthday)\b",
        r"\bkudos\b",
    ),
    _rule(
        "content_share", -0.25, "shares content for its own sake, without an ask",
        "Thought you might find this article useful.",
        r"\b(?:thought|figured) you(?:'d| would| might| may)? (?:find|enjoy|like|appreciate)\b",
        r"\bthought of you\b",
        r"\byou (?:might|may|could) find (?:this|it) (?:useful|interesting|helpful|relevant)\b",
        r"\b(?:sharing|here'?s|here is) (?:a|an|this|the) (?:article|post|piece|report|study|paper|podcast"
        r"|talk|thread|write-?up)\b",
        r"\bworth a read\b",
    ),
    _rule(
        "opinion_question", -0.30, "asks for the person's view, without an ask",
        "What's your take on the new regulation?",
        r"\bwhat(?:'s| is| are) your (?:take|views?|thoughts|opinion|perspective|experience)\b",
        r"\bhow (?:do|did) you (?:think|see|approach|handle|feel|manage|decide|prioriti[sz]e|balance|measure"
        r"|coach)\b",
        r"\bcurious (?:what|how|whether|if)\b",
        r"\b(?:love|like|keen|interested) to (?:hear|get|know) your (?:thoughts|take|views?|perspective|opinion)\b",
        r"\bwhat do you think\b", r"\bin your experience\b", r"\bdo you (?:agree|think|see)\b",
        r"\bwhat made you\b",
    ),
)

RULE_NAMES: tuple[str, ...] = tuple(r.name for r in RULES) + (NO_TEXT, EXPLICIT_FLAG)

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Lower-case, straighten curly quotes, collapse whitespace."""
    return " ".join(text.translate(_QUOTES).lower().split())


def classify(text: str | None, *, explicit: bool | None = None) -> PitchVerdict:
    """Classify one outbound message; ``explicit`` (the event's ``is_pitch``) wins when given."""
    normalised = normalise(text) if text else ""
    if not normalised:
        rules: tuple[str, ...] = (NO_TEXT,)
        score = 0.0
    else:
        fired = [r for r in RULES if r.weight > 0 and r.matches(normalised)]
        if not any(r.strong for r in fired):
            fired += [r for r in RULES if r.weight < 0 and r.matches(normalised)]
        rules = tuple(r.name for r in fired)
        score = round(min(1.0, max(0.0, sum(r.weight for r in fired))), 4)
    if explicit is not None:
        return PitchVerdict(is_pitch=explicit, score=score, rules=rules + (EXPLICIT_FLAG,))
    return PitchVerdict(is_pitch=score >= THRESHOLD, score=score, rules=rules)
