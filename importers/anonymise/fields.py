"""How each kind of cell is anonymised, and which columns are which kind.

Every function keeps every character that is not a letter or a digit where it was (quotes,
delimiters, line breaks, punctuation, NBSP, U+2028, emoji), so a file's CSV structure, quoting and
line endings are untouched whatever the cell held. Columns not named here are ``text``: a column
a later export adds is anonymised by default, not leaked.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from importers.anonymise.pseudonyms import Pseudonyms

Policy = Callable[[Pseudonyms, str], str]

# Column keys (importers.linkedin.reading.column_key) kept as they are: dates, enumerations,
# skills and the organisations a member follows (public companies, no personal data).
KEEP = frozenset({
    "connectedon", "date", "sentat", "creationdate", "endorsementdate", "followedon", "startedon",
    "finishedon", "direction", "folder", "type", "visibility", "ismessagedraft", "isconversationdraft",
    "status", "endorsementstatus", "skillname", "organization", "contentlastwatchedateifviewed",
    "contentcompletedatifcompleted", "contenttype", "loginmethod", "logintype",
})
URLS = frozenset({
    "url", "senderprofileurl", "recipientprofileurls", "inviterprofileurl", "inviteeprofileurl",
    "endorserpublicurl", "sharelink", "link", "sharedurl", "mediaurl", "medialink", "attachments",
    "websites", "profileurl", "publicurl",
})
EMAILS = frozenset({"emailaddress", "emailaddresses", "email"})
TOKENS = frozenset({"conversationid"})

# Names the importers treat specially (importers.linkedin.directory.GENERIC_NAMES): kept.
GENERIC_VALUES = frozenset({"linkedin member", "linkedin"})
# Path and host words of LinkedIn URLs the parsers read (``urn:li:activity:…``): kept.
STRUCTURAL = frozenset({
    "in", "pub", "feed", "update", "urn", "li", "activity", "share", "ugcpost", "comment", "posts", "pulse",
    "company", "school", "groups", "events", "article", "newsletters", "psettings", "member-data", "videos",
    "dms", "prv", "image", "document", "video", "www", "linkedin", "com", "lnkd", "media", "licdn", "https", "http",
})
FREE_MAIL = frozenset({"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com",
                       "icloud.com", "aol.com", "proton.me", "protonmail.com", "gmx.de", "yandex.ru"})

_WORDS = re.compile(r"(</?\s*[A-Za-z][A-Za-z0-9]*)|([^\W\d_]+)|(\d+)")
_URL = re.compile(r"^(\s*)([A-Za-z][A-Za-z0-9+.-]*://)?([^/?#\s,]*)(.*)$", re.DOTALL)
_URL_PARTS = re.compile(r"(%[0-9A-Fa-f]{2}|[/:?&=#,;()\s])")


def keep(_: Pseudonyms, value: str) -> str:
    return value


def text(p: Pseudonyms, value: str) -> str:
    """Free text and names: each word and digit run replaced; HTML tag names kept (the message
    parser recognises HTML by them); the generic ``LinkedIn Member`` sender kept."""
    if value.strip().casefold() in GENERIC_VALUES:
        return value

    def swap(match: re.Match[str]) -> str:
        tag, word, digits = match.groups()
        if tag:
            return tag
        return p.word(word) if word else p.digits(digits)

    return _WORDS.sub(swap, value)


def _host(p: Pseudonyms, host: str) -> str:
    bare = host.lower().removeprefix("www.")
    if bare.endswith(("linkedin.com", "licdn.com")) or bare in ("lnkd.in", "") or bare in FREE_MAIL:
        return host
    labels = host.split(".")
    return ".".join([*(label if label.lower() in STRUCTURAL else p.token(label) for label in labels[:-1]),
                     labels[-1]])


def url(p: Pseudonyms, value: str) -> str:
    """One or more URLs (comma-joined): host kept when it is LinkedIn's, path pieces replaced as
    whole tokens except LinkedIn's structural words and percent escapes."""
    parts = re.split(r"(\s*,\s*)", value)
    return "".join(part if index % 2 else _one_url(p, part) for index, part in enumerate(parts))


def _one_url(p: Pseudonyms, value: str) -> str:
    match = _URL.match(value)
    if not match or not value.strip():
        return value
    space, scheme, host, rest = match.groups()
    if not scheme and "." not in host:  # not a URL: a bare handle or a name
        return text(p, value)
    pieces = _URL_PARTS.split(rest)
    swapped = [piece if index % 2 or not piece or piece.lower() in STRUCTURAL else p.token(piece)
               for index, piece in enumerate(pieces)]
    return space + (scheme or "") + _host(p, host) + "".join(swapped)


def email(p: Pseudonyms, value: str) -> str:
    """``local@domain``: the local part replaced as a token, the domain's labels too except the
    top-level one and free-mail providers."""
    def one(address: str) -> str:
        local, at, domain = address.partition("@")
        if not at:
            return text(p, address)
        return p.token(local) + at + _host(p, domain)

    return re.sub(r"[^\s,;]+", lambda m: one(m.group(0)), value)


def token(p: Pseudonyms, value: str) -> str:
    stripped = value.strip()
    if not stripped:
        return value
    start = value.index(stripped)
    return value[:start] + p.token(stripped) + value[start + len(stripped):]


def policy(column: str) -> Policy:
    """The policy of a column (its ``column_key``)."""
    if column in KEEP:
        return keep
    if column in URLS:
        return url
    if column in EMAILS:
        return email
    if column in TOKENS:
        return token
    return text
