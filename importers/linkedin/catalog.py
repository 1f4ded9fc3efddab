"""Which export file is which: canonical names, activity kinds, and files we ignore.

A file is recognised by its base name: the last path component, then the part after the last
``__`` (the shared corpus flattens folders as ``Export (1)__Connections.csv``), lower-cased,
with spaces and hyphens read as underscores (``Endorsement Received Info.csv`` =
``Endorsement_Received_Info.csv``). Files with no activity the product uses are listed with a
reason instead of being dropped silently; ``Profile.csv`` is read only to learn the rep's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CONNECTIONS = "connections"
MESSAGES = "messages"
INVITATIONS = "invitations"
SHARES = "shares"
COMMENTS = "comments"
REACTIONS = "reactions"
COMPANY_FOLLOWS = "company_follows"
ENDORSEMENTS = "endorsements_received"
RECOMMENDATIONS = "recommendations_received"
PROFILE = "profile"


@dataclass(frozen=True)
class FileKind:
    """An activity file kind and the columns its header must contain."""

    name: str
    required: tuple[str, ...]


ACTIVITY_FILES: dict[str, FileKind] = {
    "connections.csv": FileKind(CONNECTIONS, ("First Name", "Last Name", "Connected On")),
    "messages.csv": FileKind(MESSAGES, ("From", "To", "Date", "Content")),
    "invitations.csv": FileKind(INVITATIONS, ("From", "To", "Sent At", "Direction")),
    "shares.csv": FileKind(SHARES, ("Date", "ShareLink")),
    "comments.csv": FileKind(COMMENTS, ("Date", "Link", "Message")),
    "reactions.csv": FileKind(REACTIONS, ("Date", "Type", "Link")),
    "company_follows.csv": FileKind(COMPANY_FOLLOWS, ("Organization", "Followed On")),
    "endorsement_received_info.csv": FileKind(
        ENDORSEMENTS, ("Endorsement Date", "Skill Name", "Endorser First Name", "Endorser Last Name")
    ),
    "recommendations_received.csv": FileKind(RECOMMENDATIONS, ("First Name", "Last Name", "Creation Date")),
}

PROFILE_FILE = "profile.csv"
PROFILE_KIND = FileKind(PROFILE, ("First Name", "Last Name"))
PROFILE_REASON = "profile: no activity; read only to learn the rep's name"

IGNORED_FILES: dict[str, str] = {
    "positions.csv": "career history: no activity the product uses",
    "education.csv": "education history: no activity the product uses",
    "skills.csv": "skills list: no activity the product uses",
    "learning.csv": "LinkedIn Learning courses: no activity the product uses",
    "learningcoachmessages.csv": "LinkedIn Learning coach chat: not a conversation with a person",
    "learning_coach_messages.csv": "LinkedIn Learning coach chat: not a conversation with a person",
    "logins.csv": "account logins: no activity the product uses",
    "rich_media.csv": "uploaded media links: no activity the product uses",
    "videos.csv": "video download pointer: no activity the product uses",
    "registration.csv": "account registration: no activity the product uses",
    "email_addresses.csv": "the member's own e-mail addresses: no activity",
    "phonenumbers.csv": "the member's own phone numbers: no activity",
    "endorsement_given_info.csv": "endorsements given: no contract event type for them",
    "recommendations_given.csv": "recommendations given: no contract event type for them",
    "member_follows.csv": "members followed: no contract event type for them",
    "ad_targeting.csv": "advertising profile: no activity the product uses",
    "inferences_about_you.csv": "advertising inferences: no activity the product uses",
    "searchqueries.csv": "search history: no activity the product uses",
    "saved_jobs.csv": "jobs: no activity the product uses",
    "job_applications.csv": "jobs: no activity the product uses",
    "languages.csv": "profile section: no activity the product uses",
    "certifications.csv": "profile section: no activity the product uses",
    "projects.csv": "profile section: no activity the product uses",
    "honors.csv": "profile section: no activity the product uses",
    "courses.csv": "profile section: no activity the product uses",
    "publications.csv": "profile section: no activity the product uses",
}

UNKNOWN_REASON = "unrecognised file: no activity the product uses"
ARTICLE_REASON = "article HTML: published long-form content is not parsed"
ARCHIVE_REASON = "nested archive: not expanded"


def canonical_name(path: str) -> str:
    """Base name used for matching, e.g. ``Export (1)__Company Follows.csv`` ->
    ``company_follows.csv``."""
    base = re.split(r"[\\/]", path)[-1]
    base = base.rsplit("__", 1)[-1]
    return re.sub(r"[\s\-]+", "_", base.strip().lower())


def is_article(path: str) -> bool:
    """Articles are HTML files, usually under an ``Articles/`` folder."""
    lowered = path.lower()
    return lowered.endswith((".html", ".htm")) or "articles/" in lowered.replace("\\", "/")


def ignored_reason(path: str) -> str | None:
    """Why a file is not read for activity, or ``None`` for an activity file."""
    name = canonical_name(path)
    if name in ACTIVITY_FILES:
        return None
    if name == PROFILE_FILE:
        return PROFILE_REASON
    if is_article(path):
        return ARTICLE_REASON
    if name.endswith(".zip"):
        return ARCHIVE_REASON
    return IGNORED_FILES.get(name, UNKNOWN_REASON)
