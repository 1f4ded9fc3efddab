"""parse_export over the committed, invented fixtures (expectations computed by hand)."""

from __future__ import annotations

import io
import shutil
import uuid
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from importers.events import NAMESPACE
from importers.linkedin import parse_export
from importers.linkedin.catalog import canonical_name, ignored_reason
from importers.linkedin.content import content_id_from_link, hashtags, unwrap_commentary
from importers.linkedin.reading import HeaderNotFound, read_table, read_timestamped_table
from importers.people import person_key
from importers.result import FileStats, ImportResult
from tests.unit.linkedin_corpus_paths import LINKEDIN_FIXTURES

P22 = "Complete_LinkedInDataExport_09-12-2022 (1)__"
ADA = "https://www.linkedin.com/in/ada-example"
BOB = "https://www.linkedin.com/in/bob-sample"


def parse(name: str, **kwargs: Any) -> ImportResult:
    return parse_export(LINKEDIN_FIXTURES / name, tenant_id="acme", **kwargs)


def stats(result: ImportResult) -> dict[str, tuple[int, int, int, int, int]]:
    """file -> (rows_read, rows_with_events, events, rejected, duplicates) of read files."""
    return {
        f.file: (f.rows_read, f.rows_with_events, f.events, f.rejected, f.duplicates)
        for f in result.files
        if f.skipped_reason is None
    }


def skipped(result: ImportResult) -> dict[str, str]:
    return {f.file: f.skipped_reason for f in result.files if f.skipped_reason is not None}


def rejections(result: ImportResult) -> list[tuple[str, int, str]]:
    return [(r.file, r.line, r.reason) for r in result.rejections]


def of_type(result: ImportResult, suffix: str) -> list[dict[str, Any]]:
    return [e for e in result.events if e["type"] == "rapport." + suffix]


def test_2018_export() -> None:
    result = parse("export_2018")
    assert (result.rep_id, result.rep_name, result.rep_profile_url) == ("ada-example", "Ada Example", None)
    assert stats(result) == {
        "Connections.csv": (3, 3, 3, 0, 0),
        "Invitations.csv": (2, 2, 2, 0, 0),
        "Messages.csv": (4, 4, 4, 0, 0),
        "Shares.csv": (2, 2, 4, 0, 0),
    }
    assert set(skipped(result)) == {"Articles/Articles/hello-world.html", "Logins.csv", "Profile.csv"}
    assert rejections(result) == []  # people known by name alone are weak identities, not rejections
    bob, carol, dan = of_type(result, "network.connection.accepted")
    assert dan["data"]["person"] == {"name": "Dan Nomail", "title": "Buyer", "company": "Nomail Inc"}
    to_dan = next(e for e in of_type(result, "network.message.sent") if e["data"]["person"].get("name") == "Dan Nomail")
    assert person_key(to_dan["data"]["person"]) == person_key(dan["data"]["person"]) == "name:dan nomail|nomail inc"
    assert bob["time"] == "2018-01-08T18:14:00Z"
    assert bob["data"] == {
        "rep_id": "ada-example",
        "person": {"email": "bob@example.com", "name": "Bob Sample", "title": "CEO", "company": "Sample Ltd"},
    }
    assert carol["time"] == "2017-11-17T21:40:00Z"
    assert carol["data"]["person"]["email"] == "carol.demo@example.org"
    invite, eve = of_type(result, "network.connection.requested")
    assert eve["data"]["person"] == {"name": "Eve Stranger"}
    assert invite["data"]["direction"] == "outbound"
    assert invite["data"]["matched_by"] == "name"
    assert invite["data"]["person"]["email"] == "carol.demo@example.org"
    received, from_promo = of_type(result, "network.message.received")
    sent, _ = of_type(result, "network.message.sent")
    assert from_promo["data"]["person"] == {"name": "Promo Team"}
    assert received["time"] == "2018-10-16T08:36:00Z" and sent["time"] == "2018-10-16T09:05:00Z"
    assert received["data"]["text"] == "Hi Ada, shall we talk?"
    assert received["data"]["subject"] == "Catch up"
    assert sent["data"]["person"]["email"] == "bob@example.com"
    assert sent["data"]["conversation_id"] == received["data"]["conversation_id"]
    assert sent["data"]["conversation_id"].startswith("derived-")


def test_2018_utf16_tab_separated_shares_give_two_events_per_row() -> None:
    result = parse("export_2018")
    published = of_type(result, "content.item.published")
    shared = of_type(result, "content.item.shared")
    assert [e["time"] for e in published] == ["2017-06-08T08:15:44Z", "2016-08-25T17:41:57Z"]
    assert published[0]["data"]["title"] == "https://example.com/article"
    assert published[1]["data"] == {
        "rep_id": "ada-example",
        "content_id": "urn:li:activity:1000000000000000002",
        "kind": "post",
        "title": "Selling is listening #Sales #sales #b2b",
        "topics": ["sales", "b2b"],
        "owner": "ada-example",
        "url": "https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A1000000000000000002",
        "text": "Selling is listening #Sales #sales #b2b",
    }
    assert [e["data"]["content_id"] for e in shared] == [e["data"]["content_id"] for e in published]
    assert shared[1]["data"]["channel"] == "linkedin"
    shares = next(f for f in result.files if f.file == "Shares.csv")
    assert shares.encoding == "utf-16-le"


def test_2022_export_with_preamble_prefixes_and_name_only_people() -> None:
    result = parse("export_2022")
    assert (result.rep_id, result.rep_profile_url, result.rep_name) == ("ada-example", ADA, "Ada Example")
    assert stats(result) == {
        f"{P22}Comments.csv": (4, 4, 4, 0, 0),
        f"{P22}Company Follows.csv": (2, 2, 2, 0, 0),
        f"{P22}Connections.csv": (4, 3, 3, 1, 0),
        f"{P22}Endorsement Received Info.csv": (2, 2, 2, 0, 0),
        f"{P22}Endorsement_Received_Info.csv": (2, 2, 1, 0, 1),
        f"{P22}Invitations.csv": (2, 2, 2, 0, 0),
        f"{P22}Reactions.csv": (8, 7, 7, 1, 0),
        f"{P22}Shares.csv": (2, 2, 4, 0, 0),
        f"{P22}messages.csv": (5, 3, 3, 2, 0),
    }
    assert skipped(result) == {
        f"{P22}Profile.csv": "profile: no activity; read only to learn the rep's name",
        f"{P22}Rich Media.csv": "uploaded media links: no activity the product uses",
    }
    assert rejections(result) == [
        (f"{P22}Connections.csv", 8, "row has only a date, no person"),
        (f"{P22}Reactions.csv", 9, "reaction has no type"),
        (f"{P22}messages.csv", 5, "sponsored message without sender profile URL"),
        (f"{P22}messages.csv", 7, "message has no sender"),
    ]
    bob, frank, grace = of_type(result, "network.connection.accepted")
    assert frank["data"]["person"] == {"name": "Frank Unknown", "title": "Analyst", "company": "Unknown Co"}
    assert of_type(result, "network.connection.requested")[1]["data"]["person"] == {"name": "Ivan Nobody"}
    assert bob["time"] == "2022-09-09T00:00:00Z"
    assert bob["data"]["person"] == {"profile_url": BOB, "name": "Bob Sample", "title": "CEO", "company": "Sample Ltd"}
    assert bob["data"]["matched_by"] == "name"
    assert grace["data"]["person"]["company"] == "Mail, Inc."
    received, sent, to_heidi = of_type(result, "network.message.received") + of_type(result, "network.message.sent")
    assert to_heidi["data"]["person"] == {"name": "Heidi Lee, MBA"}
    assert received["data"]["person"]["profile_url"] == BOB
    assert sent["data"]["text"] == "Sure Bob,\nhappy to help"
    assert sent["data"]["matched_by"] == "conversation"
    assert sent["data"]["person"]["profile_url"] == BOB
    skills = [(e["data"]["skill"], e["data"]["status"]) for e in of_type(result, "network.endorsement.received")]
    assert skills == [("Negotiation", "accepted"), ("CRM", "redacted"), ("Prospecting", "accepted")]
    follows = [(e["time"], e["data"]["company"]) for e in of_type(result, "insight.account.followed")]
    assert follows == [("2022-08-30T14:33:11Z", "Example Corp"), ("2022-08-24T14:36:36Z", "Widgets, Inc.")]


def test_2022_comments_rejoin_unquoted_lines_and_reactions_lowercase() -> None:
    result = parse("export_2022")
    given = of_type(result, "content.engagement.given")
    comments = [e["data"] for e in given if e["data"]["kind"] == "comment"]
    assert [c["text"] for c in comments] == [
        "Great point!",
        "Thanks, Bob!\nSee you soon.",
        "First line of an unquoted comment\n1) a numbered line\n\n2) another, with a comma",
        "Reply",
    ]
    assert comments[3]["content_id"] == "urn:li:ugcPost:2000000000000000004"
    kinds = [e["data"]["kind"] for e in given if e["data"]["kind"] != "comment"]
    assert kinds == ["like", "praise", "empathy", "appreciation", "interest", "entertainment", "maybe"]


def test_2022_wrapped_multiline_share_commentary() -> None:
    first, second = of_type(parse("export_2022"), "content.item.published")
    text = "Big news for #SocialSelling teams.\n\nWe just shipped a new guide.\n\n#sales #Guide"
    assert first["data"]["text"] == text
    assert first["data"]["title"] == "Big news for #SocialSelling teams."
    assert first["data"]["topics"] == ["socialselling", "sales", "guide"]
    assert first["data"]["content_id"] == "urn:li:share:4000000000000000001"
    assert second["data"]["title"] == "(untitled post)"


def test_2025_export() -> None:
    result = parse("export_2025")
    assert (result.rep_id, result.rep_profile_url, result.rep_name) == ("ada-example", ADA, "Ada Example")
    assert stats(result) == {
        "Comments.csv": (2, 1, 1, 1, 0),
        "Company Follows.csv": (0, 0, 0, 0, 0),
        "Connections.csv": (4, 2, 2, 2, 0),
        "Endorsement_Received_Info.csv": (1, 1, 1, 0, 0),
        "Invitations.csv": (3, 2, 2, 1, 0),
        "Recommendations_Received.csv": (2, 2, 2, 0, 0),
        "Shares.csv": (2, 1, 2, 1, 0),
        "messages.csv": (5, 3, 4, 2, 0),
    }
    assert skipped(result) == {
        "LearningCoachMessages.csv": "LinkedIn Learning coach chat: not a conversation with a person"
    }
    assert rejections(result) == [
        ("Comments.csv", 3, "row has no link"),
        ("Connections.csv", 6, "missing date"),
        ("Connections.csv", 7, "row has only a date, no person"),
        ("Invitations.csv", 4, "unknown invitation direction"),
        ("Shares.csv", 5, "row has no link"),
        ("messages.csv", 5, "sponsored message without sender profile URL"),
        ("messages.csv", 6, "draft message (never sent)"),
    ]
    (comment,) = of_type(result, "content.engagement.given")
    assert comment["data"]["text"] == 'She said "ship it", and we did.'
    (share,) = of_type(result, "content.item.published")
    assert share["data"]["text"] == "Three lessons from our pilot:\n1. Listen\n2. Follow up"
    (endorsement,) = of_type(result, "network.endorsement.received")
    assert endorsement["data"]["person"]["profile_url"] == "https://www.linkedin.com/in/bob-sample"
    recommendation, by_name = of_type(result, "network.recommendation.received")
    assert "profile_url" not in by_name["data"]["person"]
    assert recommendation["time"] == "2022-12-09T19:18:00Z"
    assert recommendation["data"]["person"] == {
        "profile_url": "https://www.linkedin.com/in/leo-lopez/",
        "name": "Leo Lopez",
        "title": "Founder, CEO",
        "company": "Lopez Labs",
    }
    assert recommendation["data"]["text"] == "Ada is a great partner.\nHighly recommended."
    directions = [(e["time"], e["data"]["direction"]) for e in of_type(result, "network.connection.requested")]
    assert directions == [("2025-12-09T19:18:00Z", "outbound"), ("2026-02-12T11:44:00Z", "inbound")]


def test_2025_messages_one_event_per_recipient_and_flags() -> None:
    result = parse("export_2025")
    sent = of_type(result, "network.message.sent")
    assert [e["data"]["person"]["profile_url"] for e in sent] == [BOB, "https://www.linkedin.com/in/leo-lopez"]
    assert sent[0]["data"]["text"] == "Hi both,\nmeet each other.\u2028Cheers,\xa0Ada"
    assert sent[0]["data"]["length"] == 37
    assert sent[0]["id"] != sent[1]["id"]
    assert {e["time"] for e in sent} == {"2025-08-23T21:09:04Z"}
    received = of_type(result, "network.message.received")
    assert [e["data"]["person"]["name"] for e in received] == ["Leo Lopez", "Mia Moe, PhD"]
    assert received[1]["data"]["attachments"] == "https://www.linkedin.com/dms/attachment-1"
    assert all(e["data"]["is_html"] is False and e["data"]["sponsored"] is False for e in sent + received)


def test_event_envelope_and_deterministic_id() -> None:
    result = parse("export_2022")
    like = next(e for e in result.events if e["data"].get("kind") == "like")
    link = "https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A3000000000000000001"
    identity = f"acme|linkedin|reactions|content.engagement.given|2022-09-10 14:16:50|like|{link}"
    assert like == {
        "specversion": "1.0",
        "id": str(uuid.uuid5(NAMESPACE, identity)),
        "source": "rapport/import/linkedin",
        "type": "rapport.content.engagement.given",
        "subject": "ada-example",
        "time": "2022-09-10T14:16:50Z",
        "datacontenttype": "application/json",
        "tenantid": "acme",
        "data": {
            "rep_id": "ada-example",
            "kind": "like",
            "link": link,
            "content_id": "urn:li:activity:3000000000000000001",
        },
    }
    assert [e["id"] for e in parse("export_2022").events] == [e["id"] for e in result.events]
    assert len({e["id"] for e in result.events}) == len(result.events)
    other = parse_export(LINKEDIN_FIXTURES / "export_2022", tenant_id="globex")
    assert not {e["id"] for e in other.events} & {e["id"] for e in result.events}


def test_reexport_with_extra_rows_keeps_old_ids(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(LINKEDIN_FIXTURES / "export_2022", folder)
    reactions = folder / f"{P22}Reactions.csv"
    header, rest = reactions.read_bytes().split(b"\r\n", 1)
    extra = b"2022-09-12 08:00:00,LIKE,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A3999\r\n"
    reactions.write_bytes(header + b"\r\n" + extra + rest)
    before = {e["id"] for e in parse("export_2022").events}
    after = parse_export(folder, tenant_id="acme")
    assert before < {e["id"] for e in after.events}
    assert len(after.events) == len(before) + 1


def test_zip_bytes_and_zip_path_match_the_folder(tmp_path: Path) -> None:
    folder = LINKEDIN_FIXTURES / "export_2025"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"Basic_LinkedInDataExport_08-26-2025/{path.name}")
        archive.writestr("__MACOSX/._messages.csv", b"junk")
    from_folder = parse_export(folder, tenant_id="acme")
    from_bytes = parse_export(buffer.getvalue(), tenant_id="acme")
    zip_path = tmp_path / "export.zip"
    zip_path.write_bytes(buffer.getvalue())
    from_path = parse_export(zip_path, tenant_id="acme")
    assert from_bytes.events == from_folder.events == from_path.events
    assert len(from_bytes.files) == len(from_folder.files)


def test_rep_overrides() -> None:
    result = parse("export_2025", rep_id="rep-42")
    assert result.rep_id == "rep-42"
    assert {e["subject"] for e in result.events} == {"rep-42"}
    assert {e["data"]["rep_id"] for e in result.events} == {"rep-42"}
    assert of_type(result, "content.item.published")[0]["data"]["owner"] == "rep-42"
    # Declaring Bob as the rep turns Bob's view around: Ada's messages are now received.
    as_bob = parse("export_2025", rep_profile_url="https://linkedin.com/in/bob-sample/")
    assert as_bob.rep_id == "bob-sample"
    types = Counter(e["type"] for e in as_bob.events if "message" in e["type"])
    assert types == {"rapport.network.message.received": 3}


def test_every_row_accounted_in_fixtures() -> None:
    for name in ("export_2018", "export_2022", "export_2025"):
        result = parse(name)
        for f in result.files:
            assert f.rows_read == f.rows_with_events + f.rejected, f
        assert sum(f.rejected for f in result.files) == len(result.rejections)
        assert sum(f.events for f in result.files) == len(result.events)


def test_reading_quirks() -> None:
    utf16 = b"\xff\xfe" + '"A"\t"B"\r\n"1"\t"x\ny"\r\n\r\n"2"\t"z"\r\n'.encode("utf-16-le")
    table = read_table(utf16, ["a", "b"])
    assert table.encoding == "utf-16-le"
    assert [(row.line, row.get("A"), row.raw("B")) for row in table.rows] == [(2, "1", "x\ny"), (5, "2", "z")]
    bom = read_table(b"\xef\xbb\xbfNotes:\nblah\n\nFirst Name,Connected On\n", ["First Name", "Connected On"])
    assert (bom.header, bom.rows, bom.encoding) == (["First Name", "Connected On"], [], "utf-8-sig")
    assert read_table(b"A,B\n\xe9t\xe9,2\n", ["A"]).rows[0].get("A") == "\u00e9t\u00e9"
    with pytest.raises(HeaderNotFound):
        read_table(b"No conversations found\n\n\n", ["From", "To"])
    comments = read_timestamped_table(
        b'Date,Link,Message\n2025-01-01 00:00:00,https://l/1,"a \\"b\\", ""c"""\n', ["Date", "Link", "Message"]
    )
    assert comments.rows[0].raw("Message") == 'a "b", "c"'


def test_helpers() -> None:
    assert canonical_name("Export (1)__Endorsement Received Info.csv") == "endorsement_received_info.csv"
    assert canonical_name("x/y/Company Follows.csv") == "company_follows.csv"
    assert ignored_reason("Articles/Articles/a.html") == "article HTML: published long-form content is not parsed"
    assert ignored_reason("messages.csv") is None
    assert ignored_reason("Something_New.csv") == "unrecognised file: no activity the product uses"
    assert unwrap_commentary('a"\n""\n"b') == "a\n\nb"
    assert unwrap_commentary('plain "quoted" text') == 'plain "quoted" text'
    assert hashtags("#One two #one &#39; https://x.com/#frag #Two-Words") == ["one", "two-words"]
    group_post = "https://www.linkedin.com/feed/update/urn%3Ali%3AgroupPost%3A12-34"
    assert content_id_from_link(group_post) == "urn:li:groupPost:12-34"
    assert content_id_from_link("https://example.com/p") == "https://example.com/p"


def test_file_stats_listed_for_every_file() -> None:
    result = parse("export_2018")
    assert [f.file for f in result.files] == [
        "Articles/Articles/hello-world.html",
        "Connections.csv",
        "Invitations.csv",
        "Logins.csv",
        "Messages.csv",
        "Profile.csv",
        "Shares.csv",
    ]
    assert all(isinstance(f, FileStats) for f in result.files)
