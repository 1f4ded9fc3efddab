"""Turning the real LinkedIn corpus (``../shared/data/linkedin``) into test fixtures that hold no
personal data, so the tests read only the repository.

    python -m importers.anonymise ../shared/data/linkedin tests/fixtures/linkedin/corpus \\
        --secret-file ~/.config/rapport/anonymise.secret

Names, profile URLs, e-mails, message and post text, conversation ids and every column not known
to be safe get consistent pseudonyms (``pseudonyms``, ``fields``): the same input gives the same
pseudonym in every file of the run. Structure, encodings, BOMs, preamble lines, quoting, line
endings, dates, enumerations and row counts are kept (``files``), so the corpus ``MANIFEST.tsv``
still holds: it is rewritten with the fixture's set names, no source commit, and the fixture's
byte sizes. Folders (named after people) become ``set_01``, ``set_02``… in the source's sorted order.

The secret keys the pseudonyms (HMAC-SHA256): the same secret reproduces the same fixtures, and
it is kept OUT of the repository, since with it anyone could map a list of names to their
pseudonyms. Give it as ``--secret-file`` or ``RAPPORT_ANONYMISE_SECRET`` (at least 16 bytes).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import sys
from pathlib import Path

from importers.anonymise.files import anonymise_file
from importers.anonymise.pseudonyms import Pseudonyms

MANIFEST = "MANIFEST.tsv"


def anonymise_corpus(source: Path, target: Path, secret: bytes) -> dict[str, str]:
    """Write the anonymised corpus; returns source folder name -> fixture folder name."""
    p = Pseudonyms(secret)
    names: dict[str, str] = {}
    if target.exists():
        shutil.rmtree(target)
    folders = sorted(path for path in source.iterdir() if path.is_dir())
    for number, folder in enumerate(folders, start=1):
        names[folder.name] = f"set_{number:02d}"
        for path in sorted(path for path in folder.rglob("*") if path.is_file()):
            out = target / names[folder.name] / path.relative_to(folder)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(anonymise_file(p, path.name, path.read_bytes()))
    if (source / MANIFEST).exists():
        (target / MANIFEST).write_text(_manifest(source / MANIFEST, target, names), encoding="utf-8")
    return names


def _manifest(path: Path, target: Path, names: dict[str, str]) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        folder = names.get(row["repo"].replace("/", "__"), "")
        written = target / folder / row["path"].replace("/", "__")
        row.update(repo=folder, commit="", bytes=str(written.stat().st_size) if written.exists() else "")
        writer.writerow(row)
    return out.getvalue()


def _secret(args: argparse.Namespace) -> bytes:
    if args.secret_file:
        return Path(args.secret_file).read_bytes().strip()
    value = os.environ.get("RAPPORT_ANONYMISE_SECRET", "")
    if not value:
        raise SystemExit("give the secret: --secret-file FILE or RAPPORT_ANONYMISE_SECRET")
    return value.encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m importers.anonymise", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="the corpus: one folder per export, MANIFEST.tsv beside them")
    parser.add_argument("target", type=Path, help="where the fixtures go (replaced)")
    parser.add_argument("--secret-file", help="file holding the secret (else RAPPORT_ANONYMISE_SECRET)")
    args = parser.parse_args(argv)
    for old, new in anonymise_corpus(args.source, args.target, _secret(args)).items():
        print(f"{old} -> {new}", file=sys.stderr)
    return 0
