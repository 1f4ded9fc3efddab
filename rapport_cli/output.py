"""Human output: tables, the import progress bar and summaries. Pure functions of the API's JSON,
so they are unit-tested without a gateway."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any, TextIO

PILLARS = ("insight", "connect", "engage", "brand")


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def number(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[int] = ()) -> str:
    """A plain-text table: columns as wide as their widest cell; the `right` columns right-aligned."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(parts).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def shorten(text: str, width: int) -> str:
    """`text` cut to `width` characters, keeping its end (file names differ at the end)."""
    return text if len(text) <= width else "…" + text[-(width - 1):]


# ---------------------------------------------------------------- imports


def bar(fraction: float, width: int = 30) -> str:
    fraction = min(1.0, max(0.0, fraction))
    filled = int(round(fraction * width))
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def progress_text(job: dict[str, Any]) -> str:
    """One line of progress: the phase and, while posting, events posted of the total."""
    phase = job.get("phase") or job.get("status")
    progress = job.get("progress") or {}
    posted, total = progress.get("events_posted", 0), progress.get("events_total", 0)
    if phase == "queued":
        return "queued"
    if phase == "parsing":
        return "parsing the file"
    if phase == "failed":
        return f"failed: {job.get('error')}"
    return f"{phase} {posted:,}/{total:,} events"


class ProgressView:
    """Job progress on a stream: a bar redrawn in place on a terminal (`bar`), a line per phase
    change and per tenth of the way otherwise (`lines`), or nothing (`off`)."""

    def __init__(self, stream: TextIO, mode: str = "auto"):
        if mode == "auto":
            mode = "bar" if stream.isatty() and os.environ.get("TERM") != "dumb" else "lines"
        self.stream, self.mode = stream, mode
        self.last_line: tuple[str, int] | None = None
        self.drawn = False

    def update(self, job: dict[str, Any]) -> None:
        if self.mode == "off":
            return
        fraction = float((job.get("progress") or {}).get("fraction") or 0.0)
        if self.mode == "bar":
            line = f"\rimport {job['job_id'][:8]} {bar(fraction)} {fraction * 100:3.0f}%  {progress_text(job)}"
            self.stream.write(line.ljust(100)[:100] if len(line) < 100 else line)
            self.drawn = True
        else:
            key = (str(job.get("phase")), int(fraction * 10))
            if key == self.last_line:
                return
            self.last_line = key
            self.stream.write(f"import {job['job_id'][:8]}: {fraction * 100:3.0f}%  {progress_text(job)}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.mode == "bar" and self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def job_summary(job: dict[str, Any], *, width: int = 48) -> str:
    """What a finished (or running) import did, in words and a per-file table."""
    head = (f"import {job['job_id']} ({job['kind']}) {job['status']}"
            + (f" — rep {job['rep_id']}" if job.get("rep_id") else ""))
    lines = [head]
    if job.get("error"):
        lines.append(f"  error: {job['error']}")
    lines.append(f"  {number(job['rows_read'])} rows read, {number(job['rejected'])} rejected; "
                 f"{number(job['events_produced'])} events: {number(job['events_accepted'])} new, "
                 f"{number(job['duplicates'])} already known"
                 + (f", {number(job['events_refused'])} refused" if job.get("events_refused") else ""))
    files = [f for f in job.get("files") or [] if not f.get("skipped_reason") or f.get("rows_read")]
    skipped = [f for f in job.get("files") or [] if f.get("skipped_reason") and not f.get("rows_read")]
    if files:
        rows = [(shorten(f["file"], width), f.get("kind") or "", number(f["rows_read"]), number(f["events"]),
                 number(f["rejected"]), number(f.get("repeated", 0))) for f in files]
        lines.append("")
        lines.append(table(("file", "kind", "rows", "events", "rejected", "repeated"), rows, right=(2, 3, 4, 5)))
    if skipped:
        lines.append("")
        lines.append("  not read: " + "; ".join(f"{shorten(f['file'], width)} ({f['skipped_reason']})"
                                                for f in skipped))
    reasons = job.get("rejection_reasons") or []
    if reasons:
        lines.append("")
        lines.append("rejected rows by reason:")
        for item in reasons[:10]:
            where = shorten(item["file"], width) if item.get("file") else "(events)"
            lines.append(f"  {item['count']:>7,}  {item['reason']}  — {where}")
        if len(reasons) > 10:
            lines.append(f"  … {len(reasons) - 10} more; `rapport import status {job['job_id']} --rejections`")
    for warning in job.get("warnings") or []:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


def jobs_table(jobs: dict[str, Any]) -> str:
    """`GET /v1/imports` as a table, newest first."""
    items = jobs.get("items") or []
    shown = f"{jobs.get('offset', 0) + 1}–{jobs.get('offset', 0) + len(items)}" if items else "0"
    title = f"import jobs {shown} of {jobs.get('total', len(items))}, newest first"
    if not items:
        return title
    rows = [(j["job_id"], j["kind"], j["status"], j.get("rep_id") or "", str(j["created_at"])[:19].replace("T", " "),
             f"{float((j.get('progress') or {}).get('fraction') or 0) * 100:.0f}%", number(j["rows_read"]),
             number(j["events_accepted"]), number(j["duplicates"]), number(j["rejected"]), j.get("error") or "")
            for j in items]
    return title + "\n" + table(("job", "kind", "status", "rep", "created (UTC)", "done", "rows", "new", "known",
                                 "rejected", "error"), rows, right=(5, 6, 7, 8, 9))


def rejections_table(items: Sequence[dict[str, Any]], *, width: int = 40) -> str:
    rows = [(shorten(r.get("file") or "(event)", width), r.get("line") or "", r["reason"], r.get("detail") or "")
            for r in items]
    return table(("file", "line", "reason", "detail"), rows, right=(1,))


# ---------------------------------------------------------------- scores


def score_text(score: dict[str, Any]) -> str:
    pillars = score.get("pillars") or {}
    lines = [f"{score['rep_id']} on {score['date']}: {number(score['total'])} "
             f"(formula {score.get('formula_version', '?')}, {score.get('window_days', '?')}-day window)"]
    top = max([float(v) for v in pillars.values()] or [1.0]) or 1.0
    for name in [*PILLARS, *sorted(set(pillars) - set(PILLARS))]:
        if name in pillars:
            value = float(pillars[name])
            lines.append(f"  {name:<8} {value:6.1f}  {'█' * int(round(20 * value / top))}")
    factors = score.get("factors") or []
    if factors:
        rows = [(f["pillar"], f["name"], number(f.get("raw"), 2), number(f.get("contribution"), 2)) for f in factors]
        lines.append("")
        lines.append(table(("pillar", "factor", "raw", "contribution"), rows, right=(2, 3)))
    return "\n".join(lines)


def leaderboard_text(board: dict[str, Any]) -> str:
    reps = board.get("reps") or []
    title = (f"leaderboard on {board.get('date')}" + (f", team {board['team_id']}" if board.get("team_id") else "")
             + f": {len(reps)} of {board.get('total_reps', len(reps))} reps")
    if not reps:
        return title + "\n  (no rep has activity in the window)"
    rows = [(r.get("rank"), r["rep_id"], r.get("name") or "", r.get("team_id") or "", number(r.get("total")),
             *(number((r.get("pillars") or {}).get(p)) for p in PILLARS)) for r in reps]
    return title + "\n" + table(("#", "rep", "name", "team", "total", *PILLARS), rows, right=(0, 4, 5, 6, 7, 8))


# ---------------------------------------------------------------- the stream


def event_line(event: dict[str, Any]) -> str:
    """One line per streamed CloudEvent: time, type, and who or what it is about."""
    raw = event.get("data")
    data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    about = [f"{key}={data[key]}" for key in ("rep_id", "account_id", "opportunity_id", "content_id", "total")
             if key in data and data[key] is not None]
    kind = str(event.get("type", "?")).removeprefix("rapport.")
    return f"{event.get('time', '?')}  {kind:<36} {' '.join(about)}".rstrip()
