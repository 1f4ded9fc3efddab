"""Reading and checking an upload before a job is made: 4xx naming the field."""

from __future__ import annotations

import io
import json
import re
import zipfile

from fastapi import Request
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from importers.crm import MAVEN, CrmMapping, CrmMappingError
from importers.linkedin import catalog
from importers.linkedin.reading import HeaderNotFound, read_table
from rapportkit.errors import ApiError

HEAD_BYTES = 256 * 1024  # enough for the header search of a CSV at POST time


def field_error(name: str, msg: str, status: int = 422, code: str = "validation_error") -> ApiError:
    return ApiError(status, code, f"{name}: {msg}", [{"loc": [name], "msg": msg}])


async def read_form(request: Request) -> FormData:
    """The multipart body (its size is bounded by the gateway's body limit, gateway/limits.py)."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise field_error("file", "send multipart/form-data with the file in a part named `file`", 415,
                          "unsupported_media_type")
    parser = MultiPartParser(request.headers, request.stream(), max_files=2, max_fields=10)
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise field_error("file", f"unreadable multipart body: {exc.message}") from exc


async def upload(form: FormData) -> tuple[bytes, str]:
    part = form.get("file")
    if not isinstance(part, UploadFile):
        raise field_error("file", "field required (a file part named `file`)")
    data = await part.read()
    if not data:
        raise field_error("file", "the upload is empty")
    return data, part.filename or "upload"


async def text_field(form: FormData, name: str, max_length: int) -> str | None:
    value = form.get(name)
    if isinstance(value, UploadFile):
        raw = await value.read()
        try:
            value = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise field_error(name, "not UTF-8 text") from None
    value = (value or "").strip()
    if len(value) > max_length:
        raise field_error(name, f"longer than {max_length} characters")
    return value or None


def check_rep_id(rep_id: str | None) -> None:
    """A rep id appears in paths (`/v1/reps/{rep_id}/...`): no whitespace, `/`, `?` or `#`."""
    if rep_id and re.search(r"[\s/?#]", rep_id):
        raise field_error("rep_id", "must not contain whitespace, '/', '?' or '#'")


def check_archive(data: bytes, expanded_limit: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError):
        raise field_error("file", "not a zip archive: send the export .zip as LinkedIn delivered it") from None
    if sum(info.file_size for info in infos) > expanded_limit:
        raise field_error("file", f"the archive expands beyond {expanded_limit} bytes", 413, "payload_too_large")
    if not any(catalog.canonical_name(info.filename) in catalog.ACTIVITY_FILES for info in infos):
        raise field_error("file", "the archive holds none of the export's activity files (Connections.csv, "
                          "messages.csv, Invitations.csv, Shares.csv, Comments.csv, Reactions.csv...)")


def parse_mapping(text: str) -> CrmMapping:
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise field_error("mapping", f"not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise field_error("mapping", 'expected a JSON object {"columns": {...}, "won": [...], "lost": [...]}')
    try:
        return CrmMapping.from_dict(raw)
    except CrmMappingError as exc:
        raise field_error("mapping", str(exc)) from None


def check_header(data: bytes, mapping: CrmMapping | None) -> None:
    """Refuse at once a CSV whose header the mapping (or the built-in Maven layout) cannot read."""
    head = data[:HEAD_BYTES]
    try:
        read_table(head, (mapping or MAVEN).required_columns())
    except HeaderNotFound:
        if mapping is None:
            raise field_error("mapping", "the CSV header is not the built-in Maven layout (opportunity_id, "
                              "sales_agent, deal_stage, engage_date...): send a column mapping") from None
        raise field_error("mapping", f"the CSV header lacks mapped columns {mapping.required_columns()}") from None
    except Exception:  # a cut-off head may not parse: the job reads the whole file
        return
