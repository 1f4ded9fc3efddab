"""Content files: Shares, Comments, Reactions and Company Follows.

* Shares: decision — each row yields TWO events, ``content.item.published`` (the rep's post:
  ``kind`` ``post``, ``owner`` = rep_id, ``title`` = first line of the commentary, ``topics`` =
  its hashtags, lower-cased) and ``content.item.shared`` (``channel`` ``linkedin``). Both carry
  ``content_id`` = the ``urn:li:...`` of ``ShareLink``. So a Shares file has ``events`` =
  2 x ``rows_with_events``. A share without commentary (a plain repost) gets the title of the
  2018 ``Share Title`` column, else the shared URL, else ``(untitled post)``. Multi-line
  commentary written as ``line1"\\n""\\n"line2`` is unwrapped to ``line1\\n\\nline2``.
* Comments -> ``content.engagement.given`` with ``kind`` ``comment``, ``link``, ``text``.
* Reactions -> ``content.engagement.given`` with ``kind`` = reaction type lower-cased
  (``like``, ``praise``, ``empathy``...).
* Company Follows -> ``insight.account.followed`` with ``company`` (no ``account_id``: the
  export does not know the tenant's accounts).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from importers.events import LINK_MAX, SHORT_MAX, cap_text, short_id
from importers.linkedin.context import Context, row_time
from importers.linkedin.reading import Row
from importers.result import Event, RowRejected

UNTITLED = "(untitled post)"
TITLE_MAX = 200
_URN = re.compile(r"urn:li:[A-Za-z]+:[^/?#&\s]+")
_HASHTAG = re.compile(r"(?<![\w/&#])#(\w[\w-]*)")


def content_id_from_link(link: str) -> str:
    """``https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A123`` -> ``urn:li:share:123``;
    a link without a URN is its own id."""
    match = _URN.search(unquote(link))
    return short_id(match.group(0) if match else link.strip(), "link-")


def unwrap_commentary(text: str) -> str:
    """Undo the per-line quote wrapping of multi-line Shares commentary."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) < 2:
        return text
    first, *middle, last = lines
    wrapped = (
        first.endswith('"')
        and last.startswith('"')
        and all(len(line) >= 2 and line[0] == line[-1] == '"' for line in middle)
    )
    if not wrapped:
        return "\n".join(lines)
    return "\n".join([first[:-1], *(line[1:-1] for line in middle), last[1:]])


def hashtags(text: str) -> list[str]:
    """Distinct hashtags of a text, lower-cased, in order of appearance."""
    found: dict[str, None] = {}
    for match in _HASHTAG.finditer(text):
        found.setdefault(match.group(1).lower()[:SHORT_MAX], None)
    return list(found)[:50]


def _title(commentary: str, row: Row) -> str:
    for candidate in (*commentary.split("\n"), row.get("Share Title"), row.get("SharedUrl")):
        if candidate.strip():
            return candidate.strip()[:TITLE_MAX]
    return UNTITLED


def _link(row: Row, *columns: str) -> str:
    link = row.get(*columns)
    if not link:
        raise RowRejected("row has no link")
    if len(link) > LINK_MAX:
        raise RowRejected("link longer than 2000 characters")
    return link


def _with_text(data: dict[str, Any], text: str) -> dict[str, Any]:
    data["text"], truncated = cap_text(text)
    if truncated:
        data["text_truncated"] = True
    return data


def map_share(row: Row, ctx: Context) -> list[Event]:
    """One Shares row -> published + shared (see the module docstring)."""
    link = _link(row, "ShareLink")
    time = row_time(row.get("Date"))
    commentary = unwrap_commentary(row.raw("ShareCommentary")).strip()
    content_id = content_id_from_link(link)
    published: dict[str, Any] = {
        "content_id": content_id,
        "kind": "post",
        "title": _title(commentary, row),
        "topics": hashtags(commentary),
        "owner": ctx.rep.rep_id,
        "url": link,
    }
    _with_text(published, commentary)
    for field, column in (("shared_url", "SharedUrl"), ("media_url", "MediaUrl")):
        if row.get(column):
            published[field] = row.get(column)
    shared: dict[str, Any] = {"content_id": content_id, "channel": "linkedin", "link": link}
    if row.get("Visibility"):
        shared["visibility"] = row.get("Visibility")
    return [
        ctx.event("content.item.published", time, published, [content_id]),
        ctx.event("content.item.shared", time, shared, [content_id]),
    ]


def map_comment(row: Row, ctx: Context) -> list[Event]:
    """One Comments row."""
    link, text = _link(row, "Link"), row.raw("Message").strip()
    time = row_time(row.get("Date"))
    data = _with_text({"kind": "comment", "link": link, "content_id": content_id_from_link(link)}, text)
    return [ctx.event("content.engagement.given", time, data, [row.get("Date"), link, text])]


def map_reaction(row: Row, ctx: Context) -> list[Event]:
    """One Reactions row."""
    link, kind = _link(row, "Link"), row.get("Type").lower()[:40]
    if not kind:
        raise RowRejected("reaction has no type")
    time = row_time(row.get("Date"))
    data = {"kind": kind, "link": link, "content_id": content_id_from_link(link)}
    return [ctx.event("content.engagement.given", time, data, [row.get("Date"), kind, link])]


def map_company_follow(row: Row, ctx: Context) -> list[Event]:
    """One Company Follows row."""
    company = row.get("Organization")
    if not company:
        raise RowRejected("row has only a date, no company")
    time = row_time(row.get("Followed On"))
    data = {"company": company[:SHORT_MAX]}
    return [ctx.event("insight.account.followed", time, data, [company.lower(), row.get("Followed On")])]
