"""Walking an export: a zip archive (bytes or a ``.zip`` path) or an unpacked folder.

Entries are returned sorted by path so imports are deterministic. Directories, hidden files
(``.DS_Store``, ``__MACOSX/``) are skipped. A zip whose entries would expand beyond
``MAX_TOTAL_BYTES`` is refused (``ValueError``) to protect the importer from zip bombs.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_TOTAL_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True)
class ExportFile:
    """One file of the export: its path inside the export and its bytes."""

    path: str
    data: bytes


def _hidden(path: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in path.split("/"))


def _from_zip(archive: zipfile.ZipFile) -> list[ExportFile]:
    infos = [info for info in archive.infolist() if not info.is_dir() and not _hidden(info.filename)]
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
        raise ValueError("archive expands beyond the importer's size limit")
    return sorted((ExportFile(info.filename, archive.read(info)) for info in infos), key=lambda f: f.path)


def read_export(source: Path | bytes) -> list[ExportFile]:
    """All files of an export given as zip bytes, a zip file path, or a folder path."""
    if isinstance(source, bytes | bytearray):
        with zipfile.ZipFile(io.BytesIO(bytes(source))) as archive:
            return _from_zip(archive)
    path = Path(source)
    if path.is_dir():
        files = [
            ExportFile(item.relative_to(path).as_posix(), item.read_bytes())
            for item in path.rglob("*")
            if item.is_file() and not _hidden(item.relative_to(path).as_posix())
        ]
        return sorted(files, key=lambda f: f.path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return _from_zip(archive)
    raise ValueError(f"{path} is neither a folder nor a zip archive")
