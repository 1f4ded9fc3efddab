"""The corpus anonymiser (importers.anonymise): personal data replaced consistently, everything
the importers rely on kept byte for byte."""

from __future__ import annotations

from pathlib import Path

from importers.anonymise import anonymise_corpus
from importers.anonymise.files import anonymise_file
from importers.anonymise.pseudonyms import Pseudonyms
from importers.linkedin import parse_export

SECRET = b"a test secret of 32 bytes length"

CONNECTIONS = (
    "\ufeffNotes:\r\n\"When exporting your connection data, you may notice ...\"\r\n\r\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
    "Ada,Lovelace,https://www.linkedin.com/in/ada-lovelace-1815,ada@analytical.example,"
    "\"Engines, Ltd\",Analyst,10 Dec 2023\r\n"
    ",,,,,,08 Jan 2024\r\n"
).encode()
MESSAGES = (
    b"CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,DATE,SUBJECT,CONTENT,FOLDER\n"
    b"2-abc==,,ADA LOVELACE,https://www.linkedin.com/in/Ada-Lovelace-1815/,Charles Babbage,"
    b"2023-12-11 10:00:00 UTC,,\"Hi Charles,\nthe \"\"engine\"\" works.\",INBOX\n"
    b"2-xyz==,,LinkedIn Member,,Charles Babbage,2023-12-12 10:00:00 UTC,,<p>Offer</p>,INBOX\n"
)
COMMENTS = (
    b"Date,Link,Message\n2023-12-13 09:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A123,"
    b"first line by Ada\nsecond line\n"
)


def test_cells_are_replaced_and_structure_kept() -> None:
    p = Pseudonyms(SECRET)
    out = anonymise_file(p, "Connections.csv", CONNECTIONS).decode("utf-8")
    assert out.startswith("\ufeffNotes:\r\n\"When exporting your connection data, you may notice ...\"\r\n\r\n")
    assert "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n" in out
    assert out.count("\r\n") == CONNECTIONS.decode("utf-8").count("\r\n")
    row = out.split("\r\n")[4]
    for secret in ("Ada", "Lovelace", "ada-lovelace", "1815", "analytical", "Engines"):
        assert secret not in row
    assert row.endswith(",10 Dec 2023") and "https://www.linkedin.com/in/" in row and row.count('"') == 2
    assert out.split("\r\n")[5] == ",,,,,,08 Jan 2024"


def test_the_same_person_gets_the_same_pseudonym_across_files() -> None:
    p = Pseudonyms(SECRET)
    connections = anonymise_file(p, "Connections.csv", CONNECTIONS).decode("utf-8").split("\r\n")[4].split(",")
    messages = anonymise_file(p, "messages.csv", MESSAGES).decode("utf-8")
    first, last, url = connections[0], connections[1], connections[2]
    assert f"{first.upper()} {last.upper()}" in messages
    handle = url.rsplit("/", 1)[1]
    assert f"/in/{handle[0].upper()}{handle[1:4]}{handle[4].upper()}{handle[5:]}/" in messages
    assert "LinkedIn Member" in messages and "<p>" in messages and "</p>" in messages
    assert "2023-12-11 10:00:00 UTC" in messages and ",INBOX\n" in messages
    assert '""' in messages and "Charles" not in messages and "engine" not in messages


def test_comments_rows_and_continuation_lines() -> None:
    out = anonymise_file(Pseudonyms(SECRET), "Comments.csv", COMMENTS).decode("utf-8")
    lines = out.split("\n")
    assert lines[1].startswith("2023-12-13 09:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A")
    assert "Ada" not in out and "second" not in out and len(lines) == 4


def test_utf16_files_keep_their_bom_and_encoding() -> None:
    data = "\ufeffDate\tShareLink\tShareCommentary\n2018-01-01 10:00:00\thttps://www.linkedin.com/x\tHello Ada\n"
    encoded = data.encode("utf-16-le")
    out = anonymise_file(Pseudonyms(SECRET), "Shares.csv", encoded)
    assert out[:2] == b"\xff\xfe"
    text = out.decode("utf-16-le")
    assert text.count("\t") == 4 and "2018-01-01 10:00:00" in text and "Ada" not in text


def test_reproducible_with_the_secret_and_different_without(tmp_path: Path) -> None:
    source = tmp_path / "src" / "someone__their-export"
    source.mkdir(parents=True)
    (source / "Connections.csv").write_bytes(CONNECTIONS)
    (source / "messages.csv").write_bytes(MESSAGES)
    (tmp_path / "src" / "MANIFEST.tsv").write_text(
        "repo\tpath\tcommit\tfile_type\tstatus\tbytes\tdata_rows\n"
        "someone/their-export\tConnections.csv\tabc\tConnections\tgenuine\t1\t2\n", encoding="utf-8")
    names = anonymise_corpus(tmp_path / "src", tmp_path / "a", SECRET)
    anonymise_corpus(tmp_path / "src", tmp_path / "b", SECRET)
    anonymise_corpus(tmp_path / "src", tmp_path / "c", b"another secret, also 32 bytes ok")
    assert names == {"someone__their-export": "set_01"}
    a, b, c = ((tmp_path / x / "set_01" / "messages.csv").read_bytes() for x in "abc")
    assert a == b and a != c
    manifest = (tmp_path / "a" / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    size = (tmp_path / "a" / "set_01" / "Connections.csv").stat().st_size
    assert manifest[1] == f"set_01\tConnections.csv\t\tConnections\tgenuine\t{size}\t2"
    original, anonymised = parse_export(source, tenant_id="t"), parse_export(tmp_path / "a" / "set_01", tenant_id="t")
    assert [(f.rows_read, f.rows_with_events, f.rejected) for f in original.files] == [
        (f.rows_read, f.rows_with_events, f.rejected) for f in anonymised.files]
