"""`rapport import linkedin|crm|status`: upload, then follow the job until it ends."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any, TextIO

from rapport_cli.client import FAILED, USAGE, CliError, Gateway
from rapport_cli.output import ProgressView

POLL_SECONDS = 0.5
PAGE = 500


def zip_folder(folder: Path) -> bytes:
    """An unpacked export folder as a zip archive in memory (paths relative to the folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def read_upload(path: Path, *, folder_as_zip: bool) -> tuple[str, bytes]:
    """The name and bytes to upload for `path` (a folder becomes a zip when allowed)."""
    if path.is_dir():
        if not folder_as_zip:
            raise CliError(f"{path} is a folder; give a CSV file", USAGE)
        return f"{path.name}.zip", zip_folder(path)
    try:
        return path.name, path.read_bytes()
    except FileNotFoundError:
        raise CliError(f"no such file: {path}", USAGE) from None
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}", USAGE) from None


def start_linkedin(gateway: Gateway, path: Path, *, rep: str | None, profile_url: str | None) -> dict[str, Any]:
    name, data = read_upload(path, folder_as_zip=True)
    fields = {key: value for key, value in (("rep_id", rep), ("rep_profile_url", profile_url)) if value}
    answer: dict[str, Any] = gateway.post("/v1/imports/linkedin", files={"file": (name, data, "application/zip")},
                                          data=fields)
    return answer


def start_crm(gateway: Gateway, path: Path, *, mapping: Path | None) -> dict[str, Any]:
    name, data = read_upload(path, folder_as_zip=False)
    files: dict[str, tuple[str, bytes, str]] = {"file": (name, data, "text/csv")}
    if mapping is not None:
        mapping_name, mapping_data = read_upload(mapping, folder_as_zip=False)
        files["mapping"] = (mapping_name, mapping_data, "application/json")
    answer: dict[str, Any] = gateway.post("/v1/imports/crm", files=files)
    return answer


def job(gateway: Gateway, job_id: str, *, limit: int = 1, offset: int = 0) -> dict[str, Any]:
    answer: dict[str, Any] = gateway.get(f"/v1/imports/{job_id}", limit=limit, offset=offset)
    return answer


def follow(gateway: Gateway, job_id: str, view: ProgressView, *, poll: float = POLL_SECONDS) -> dict[str, Any]:
    """Poll the job, drawing its progress, until it is done or failed; the last state read."""
    try:
        while True:
            state = job(gateway, job_id)
            view.update(state)
            if state["status"] in ("done", "failed"):
                return state
            time.sleep(poll)
    finally:
        view.finish()


def all_rejections(gateway: Gateway, job_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = job(gateway, job_id, limit=PAGE, offset=len(items))["rejections"]
        items.extend(page["items"])
        if not page["items"] or len(items) >= page["total"]:
            return items


def finish(gateway: Gateway, job_id: str, *, wait: bool, view: ProgressView, stderr: TextIO) -> dict[str, Any]:
    """Follow the job when asked to; the job as it is last seen (with a first page of rejections)."""
    if wait:
        follow(gateway, job_id, view)
    state = job(gateway, job_id, limit=50)
    if wait and state["status"] == "failed":
        stderr.write(f"import {job_id} failed: {state.get('error')}\n")
    return state


def exit_code(state: dict[str, Any]) -> int:
    return FAILED if state["status"] == "failed" else 0
