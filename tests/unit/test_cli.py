"""The `rapport` CLI without a gateway: argument parsing, configuration, output formatting, the
progress view, server-sent events, error mapping, and whole commands over a mock transport."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from rapport_cli import imports, output
from rapport_cli import main as cli_main
from rapport_cli.client import FAILED, REFUSED, UNREACHABLE, CliError, Gateway, check
from rapport_cli.config import DEFAULT_URL, Config, ConfigError, load
from rapport_cli.main import build_parser, main
from rapport_cli.stream import parse_sse


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def job(status: str = "done", *, phase: str | None = None, posted: int = 10, total: int = 10, **extra: Any) -> Any:
    base = {
        "job_id": "abcdef0123456789", "kind": "crm", "status": status, "phase": phase or status, "rep_id": None,
        "error": None, "progress": {"events_posted": posted, "events_total": total,
                                    "fraction": 1.0 if status == "done" else (posted / total if total else 0.0)},
        "rows_read": 6, "events_produced": total, "events_accepted": posted, "duplicates": 0, "rejected": 1,
        "events_refused": 0,
        "files": [{"file": "pipeline.csv", "kind": "opportunities", "rows_read": 6, "rows_with_events": 5,
                   "events": 10, "rejected": 1, "repeated": 0, "encoding": "utf-8", "skipped_reason": None}],
        "rejection_reasons": [{"file": "pipeline.csv", "reason": "opportunity has no creation date", "count": 1}],
        "rejections": {"items": [{"file": "pipeline.csv", "line": 7, "reason": "opportunity has no creation date",
                                  "detail": None}], "total": 1, "limit": 50, "offset": 0},
        "warnings": [],
    }
    return {**base, **extra}


# ---------------------------------------------------------------- arguments


def test_import_arguments() -> None:
    args = build_parser().parse_args(["import", "linkedin", "export.zip", "--rep", "ada", "--no-wait"])
    assert (args.what, args.path, args.rep, args.wait, args.progress, args.json) == (
        "linkedin", "export.zip", "ada", False, "auto", False)
    assert args.handler is cli_main.cmd_import_linkedin
    args = build_parser().parse_args(["import", "crm", "p.csv", "--mapping", "m.json", "--progress", "lines"])
    assert (args.mapping, args.wait, args.progress) == ("m.json", True, "lines")
    args = build_parser().parse_args(["import", "status", "j1"])
    assert (args.job_id, args.wait, args.rejections) == ("j1", False, False)
    assert build_parser().parse_args(["import", "status", "j1", "--wait", "--rejections"]).wait is True


def test_global_options_before_or_after_the_command() -> None:
    before = build_parser().parse_args(["--json", "--url", "http://gw:1", "score", "ada"])
    after = build_parser().parse_args(["score", "ada", "--json", "--token", "t"])
    assert (before.json, before.url, before.token, before.rep) == (True, "http://gw:1", None, "ada")
    assert (after.json, after.url, after.token) == (True, None, "t")


def test_reads_and_admin_arguments() -> None:
    board = build_parser().parse_args(["leaderboard", "--team", "east", "--date", "2026-11-20", "--limit", "5"])
    assert (board.team, board.date, board.limit) == ("east", "2026-11-20", 5)
    assert build_parser().parse_args(["score", "ada", "--date", "2026-01-31"]).date == "2026-01-31"
    assert build_parser().parse_args(["tail", "--types", "rapport.scoring."]).types == "rapport.scoring."
    key = build_parser().parse_args(["admin", "keys", "create", "--role", "manager", "--team", "a", "--team", "b"])
    assert (key.role, key.team, key.handler) == ("manager", ["a", "b"], cli_main.cmd_key_create)
    rep = build_parser().parse_args(["admin", "reps", "create", "ada", "--name", "Ada", "--team", "east"])
    assert (rep.rep_id, rep.name, rep.team, rep.tenant) == ("ada", "Ada", "east", None)
    assert build_parser().parse_args(["admin", "keys", "revoke", "k1"]).key_id == "k1"
    assert build_parser().parse_args(["admin", "tenants", "create", "acme"]).tenant_id == "acme"


@pytest.mark.parametrize("argv", [
    ["score"], ["leaderboard", "--date", "2026-02-30"], ["leaderboard", "--limit", "0"],
    ["admin", "keys", "create", "--role", "owner"], ["import", "excel", "x"], [],
])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv, env={}) == 2
    assert "usage: rapport" in capsys.readouterr().err


# ---------------------------------------------------------------- configuration


def test_configuration_precedence(tmp_path: Path) -> None:
    file = tmp_path / "config.toml"
    file.write_text('url = "http://from-file:8080/"\ntoken = "file-token"\n')
    file.chmod(0o600)
    env = {"RAPPORT_CONFIG": str(file)}
    assert load(env=env) == Config(url="http://from-file:8080", token="file-token",
                                   source={"url": str(file), "token": str(file)})
    env_too = {**env, "RAPPORT_URL": "http://from-env:1", "RAPPORT_TOKEN": "env-token"}
    assert (load(env=env_too).url, load(env=env_too).token) == ("http://from-env:1", "env-token")
    flags = load(url="http://flag:2", token="flag-token", env=env_too)
    assert (flags.url, flags.token) == ("http://flag:2", "flag-token")
    assert flags.source == {"url": "--url", "token": "--token"}
    assert load(env={"XDG_CONFIG_HOME": str(tmp_path / "none")}) == Config(url=DEFAULT_URL, token=None)


def test_config_file_under_xdg_and_its_problems(tmp_path: Path) -> None:
    folder = tmp_path / "rapport"
    folder.mkdir()
    (folder / "config.toml").write_text('token = "t"\n')
    (folder / "config.toml").chmod(0o644)
    loaded = load(env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert loaded.token == "t" and "readable by other users" in loaded.warnings[0]
    (folder / "config.toml").write_text("token = [1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(env={"XDG_CONFIG_HOME": str(tmp_path)})
    (folder / "config.toml").write_text("token = 1\n")
    with pytest.raises(ConfigError, match="must be a string"):
        load(env={"XDG_CONFIG_HOME": str(tmp_path)})


# ---------------------------------------------------------------- output


def test_table_and_numbers() -> None:
    assert output.table(("name", "n"), [("ada", 5), ("bo", 12)], right=(1,)) == (
        "name   n\n----  --\nada    5\nbo    12")
    assert (output.number(1234567), output.number(2.345), output.number(None), output.number(True)) == (
        "1,234,567", "2.3", "-", "yes")
    assert output.shorten("Complete_Export__messages.csv", 12) == "…essages.csv"


def test_bar_and_progress_text() -> None:
    assert output.bar(0.5, 10) == "[#####-----]"
    assert output.bar(1.7, 4) == "[####]" and output.bar(-1, 4) == "[----]"
    posting = job("running", phase="posting", posted=1000, total=8800)
    assert output.progress_text(posting) == "posting 1,000/8,800 events"
    assert output.progress_text(job("running", phase="parsing", posted=0, total=0)) == "parsing the file"
    assert output.progress_text(job("failed", error="boom")) == "failed: boom"


def test_progress_bar_on_a_terminal() -> None:
    stream = Tty()
    view = output.ProgressView(stream)
    assert view.mode == "bar"
    view.update(job("running", phase="posting", posted=5, total=10))
    view.update(job("done"))
    view.finish()
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "[###############---------------]  50%  posting 5/10 events" in text
    assert "[##############################] 100%  done 10/10 events" in text


def test_progress_lines_elsewhere() -> None:
    stream = io.StringIO()
    view = output.ProgressView(stream)
    assert view.mode == "lines"
    for state in (job("queued", posted=0), job("running", phase="parsing", posted=0, total=0),
                  job("running", phase="posting", posted=1, total=100), job("running", phase="posting", posted=2,
                                                                            total=100), job("done")):
        view.update(state)
    view.finish()
    assert stream.getvalue().splitlines() == [
        "import abcdef01:   0%  queued", "import abcdef01:   0%  parsing the file",
        "import abcdef01:   1%  posting 1/100 events", "import abcdef01: 100%  done 10/10 events"]
    quiet = io.StringIO()
    output.ProgressView(quiet, "off").update(job())
    assert quiet.getvalue() == ""


def test_job_summary() -> None:
    text = output.job_summary(job(files=[*job()["files"], {"file": "Positions.csv", "kind": None, "rows_read": 0,
                                                            "rows_with_events": 0, "events": 0, "rejected": 0,
                                                            "repeated": 0, "encoding": None,
                                                            "skipped_reason": "career history"}],
                                  warnings=["look"]))
    lines = text.splitlines()
    assert lines[0] == "import abcdef0123456789 (crm) done"
    assert lines[1] == "  6 rows read, 1 rejected; 10 events: 10 new, 0 already known"
    assert "file          kind           rows  events  rejected  repeated" in text
    assert "pipeline.csv  opportunities     6      10         1         0" in text
    assert "  not read: Positions.csv (career history)" in text
    assert "        1  opportunity has no creation date  — pipeline.csv" in text
    assert lines[-1] == "warning: look"
    failed = output.job_summary(job("failed", error="could not work out whose export this is", rep_id="x"))
    assert failed.splitlines()[:2] == ["import abcdef0123456789 (crm) failed — rep x",
                                       "  error: could not work out whose export this is"]
    assert "(event)" in output.rejections_table([{"file": None, "line": None, "reason": "refused", "detail": "d"}])


def test_score_leaderboard_and_event_lines() -> None:
    score = {"rep_id": "ada", "date": "2026-11-20", "total": 42.25, "formula_version": "1.0", "window_days": 30,
             "pillars": {"insight": 10.0, "connect": 20.0, "engage": 5.0, "brand": 7.25},
             "factors": [{"pillar": "connect", "name": "target_connections", "raw": 3, "contribution": 12.5}]}
    text = output.score_text(score)
    assert text.splitlines()[0] == "ada on 2026-11-20: 42.2 (formula 1.0, 30-day window)"
    assert "  connect    20.0  " + "█" * 20 in text and "target_connections" in text
    board = {"date": "2026-11-20", "team_id": None, "total_reps": 3,
             "reps": [{"rank": 1, "rep_id": "ada", "name": "Ada", "team_id": "east", "total": 42.0,
                       "pillars": {"insight": 1.0, "connect": 2.0, "engage": 3.0, "brand": 4.0}}]}
    board_text = output.leaderboard_text(board)
    assert board_text.startswith("leaderboard on 2026-11-20: 1 of 3 reps\n#  rep  name  team  total")
    assert board_text.endswith("\n1  ada  Ada   east   42.0      1.0      2.0     3.0    4.0")
    assert "no rep has activity" in output.leaderboard_text({"date": "d", "reps": []})
    event = {"time": "2026-11-20T10:00:00Z", "type": "rapport.scoring.score.updated",
             "data": {"rep_id": "ada", "total": 42.0}}
    line = output.event_line(event)
    assert line == "2026-11-20T10:00:00Z  scoring.score.updated" + " " * 16 + "rep_id=ada total=42.0"


# ---------------------------------------------------------------- the stream and errors


def test_parse_server_sent_events() -> None:
    lines = [": rapport event stream e1", "retry: 2000", "", "id: e1-1", 'data: {"a":', "data: 1}", "",
             "event: gap", 'data: {"reason": "evicted"}', "", "id: e1-2", "data:x", ""]
    messages = list(parse_sse(lines))
    assert [(m.id, m.event, m.data) for m in messages] == [
        ("e1-1", "message", '{"a":\n1}'), (None, "gap", '{"reason": "evicted"}'), ("e1-2", "message", "x")]


def test_error_mapping() -> None:
    config = Config(url="http://gw", token="t", source={"token": "RAPPORT_TOKEN"})
    request = httpx.Request("GET", "http://gw/v1/leaderboard")

    def fails(status: int, body: Any) -> CliError:
        with pytest.raises(CliError) as info:
            check(httpx.Response(status, json=body, request=request), config)
        return info.value

    error = {"error": {"code": "x", "message": "invalid or revoked API key", "details": []}}
    refused = fails(401, error)
    assert refused.code == REFUSED
    assert refused.message == "the gateway refused the API key: invalid or revoked API key (token from RAPPORT_TOKEN)"
    assert fails(403, error).code == REFUSED
    bad = fails(422, {"error": {"message": "date: bad"}})
    assert (bad.code, bad.message) == (FAILED, "GET /v1/leaderboard failed (422): date: bad")
    assert "failed (502): Bad Gateway" in fails(502, None).message


def test_unreachable_gateway_is_one_line_and_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "ada"], env={"RAPPORT_URL": "http://127.0.0.1:9", "RAPPORT_TOKEN": "t",
                                       "RAPPORT_CONFIG": "/nonexistent"}) == UNREACHABLE
    err = capsys.readouterr().err
    assert err == ("rapport: cannot reach the gateway at http://127.0.0.1:9 (connection refused); is it running? "
                   "(set RAPPORT_URL or pass --url)\n")


def test_no_token_is_exit_4(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["leaderboard"], env={"RAPPORT_CONFIG": "/nonexistent"}) == REFUSED
    assert "no API key" in capsys.readouterr().err


# ---------------------------------------------------------------- whole commands over a mock gateway


def mock_gateway(monkeypatch: pytest.MonkeyPatch, handler: Callable[[httpx.Request], httpx.Response]) -> None:
    transport = httpx.MockTransport(handler)
    monkeypatch.setattr(cli_main, "Gateway", lambda config: Gateway(config, transport=transport))
    monkeypatch.setattr(imports, "POLL_SECONDS", 0.0)


ENV = {"RAPPORT_URL": "http://gw", "RAPPORT_TOKEN": "secret", "RAPPORT_CONFIG": "/nonexistent"}


def test_import_crm_uploads_follows_and_summarises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    csv_file, mapping = tmp_path / "pipeline.csv", tmp_path / "mapping.json"
    csv_file.write_text("id,rep\n1,Ada\n")
    mapping.write_text('{"columns": {}}')
    states = [job("queued", posted=0), job("running", phase="posting", posted=5), job("done"), job("done")]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.headers["authorization"] == "Bearer secret"
        if request.method == "POST":
            return httpx.Response(202, json={"job_id": "abcdef0123456789", "status": "queued",
                                             "status_url": "/v1/imports/abcdef0123456789"})
        return httpx.Response(200, json=states.pop(0))

    mock_gateway(monkeypatch, handler)
    out, err = io.StringIO(), io.StringIO()
    code = main(["import", "crm", str(csv_file), "--mapping", str(mapping)], stdout=out, stderr=err, env=ENV)
    assert code == 0
    post = seen[0]
    assert (post.url.path, post.headers["content-type"].split(";")[0]) == ("/v1/imports/crm", "multipart/form-data")
    body = post.read()
    assert b'name="file"; filename="pipeline.csv"' in body and b'name="mapping"; filename="mapping.json"' in body
    assert [r.url.params.get("limit") for r in seen[1:]] == ["1", "1", "1", "50"]
    assert err.getvalue().splitlines() == ["import abcdef01:   0%  queued",
                                           "import abcdef01:  50%  posting 5/10 events",
                                           "import abcdef01: 100%  done 10/10 events"]
    assert out.getvalue().startswith("import abcdef0123456789 (crm) done\n")


def test_import_linkedin_zips_a_folder_and_reports_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "Connections.csv").write_text("First Name\n")
    uploads: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            uploads.append(request.read())
            return httpx.Response(202, json={"job_id": "abcdef0123456789", "status": "queued", "status_url": "/x"})
        return httpx.Response(200, json=job("failed", error="could not work out whose export this is"))

    mock_gateway(monkeypatch, handler)
    out, err = io.StringIO(), io.StringIO()
    code = main(["--json", "import", "linkedin", str(tmp_path / "export"), "--rep", "ada"], stdout=out, stderr=err,
                env=ENV)
    assert code == FAILED
    assert json.loads(out.getvalue())["status"] == "failed"
    assert "failed: could not work out whose export this is" in err.getvalue()
    assert b'filename="export.zip"' in uploads[0] and b'name="rep_id"' in uploads[0]
    archive = zipfile.ZipFile(io.BytesIO(imports.zip_folder(tmp_path / "export")))
    assert archive.namelist() == ["Connections.csv"]


def test_no_wait_prints_the_job_and_status_lists_rejections(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("x\n")
    pages = {"0": {"items": [{"file": "p.csv", "line": 2, "reason": "r1", "detail": None}], "total": 2},
             "1": {"items": [{"file": "p.csv", "line": 3, "reason": "r2", "detail": "d"}], "total": 2}}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, json={"job_id": "j1", "status": "queued", "status_url": "/v1/imports/j1"})
        offset = request.url.params.get("offset", "0")
        page = pages.get(offset, {"items": [], "total": 2})
        return httpx.Response(200, json=job(rejections={**page, "limit": 500, "offset": int(offset)}))

    mock_gateway(monkeypatch, handler)
    out = io.StringIO()
    assert main(["import", "crm", str(tmp_path / "p.csv"), "--no-wait"], stdout=out, env=ENV) == 0
    assert out.getvalue() == "import j1 queued; follow it with `rapport import status j1 --wait`\n"
    out = io.StringIO()
    assert main(["import", "status", "j1", "--rejections"], stdout=out, env=ENV) == 0
    assert "p.csv     2  r1" in out.getvalue() and "p.csv     3  r2      d" in out.getvalue()


def test_import_list_sends_the_filters_and_shows_the_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []
    listed = {"items": [job("done", created_at="2026-12-01T10:00:00Z", rep_id="ada"),
                        job("failed", job_id="0123456789abcdef", created_at="2026-11-30T09:00:00Z",
                            error="this export is already imported under rep 'bo'")],
              "total": 7, "limit": 2, "offset": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=listed)

    mock_gateway(monkeypatch, handler)
    out = io.StringIO()
    assert main(["import", "list", "--status", "done", "--kind", "linkedin", "--limit", "2"], stdout=out, env=ENV) == 0
    assert seen[0].url.path == "/v1/imports"
    assert dict(seen[0].url.params) == {"status": "done", "kind": "linkedin", "limit": "2"}
    lines = out.getvalue().splitlines()
    assert lines[0] == "import jobs 1–2 of 7, newest first"
    assert lines[3].split()[:6] == ["abcdef0123456789", "crm", "done", "ada", "2026-12-01", "10:00:00"]
    assert "0123456789abcdef" in lines[4] and "already imported under rep 'bo'" in lines[4]
    out = io.StringIO()
    assert main(["import", "list", "--json"], stdout=out, env=ENV) == 0
    assert json.loads(out.getvalue()) == listed and dict(seen[1].url.params) == {}
    with pytest.raises(SystemExit):
        build_parser().parse_args(["import", "list", "--status", "nope"])


def test_admin_and_reads_send_what_the_contract_names(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read()) if request.content else None
        seen.append((request.method, str(request.url.copy_with(scheme="http", host="gw")), body))
        if request.url.path == "/v1/admin/api-keys":
            return httpx.Response(201, json={"key_id": "k1", "role": "ingest", "tenant_id": "acme", "key": "rk_x"})
        if request.url.path == "/v1/leaderboard":
            return httpx.Response(200, json={"date": "2026-11-20", "reps": [], "total_reps": 0})
        return httpx.Response(200, json={"key_id": "k1", "tenant_id": "acme", "name": "Acme"})

    mock_gateway(monkeypatch, handler)
    out = io.StringIO()
    assert main(["admin", "keys", "create", "--role", "ingest", "--tenant", "acme"], stdout=out, env=ENV) == 0
    assert "rk_x" in out.getvalue() and "shown once" in out.getvalue()
    assert main(["admin", "keys", "revoke", "k1"], stdout=io.StringIO(), env=ENV) == 0
    assert main(["admin", "tenants", "create", "acme"], stdout=io.StringIO(), env=ENV) == 0
    assert main(["leaderboard", "--team", "east", "--limit", "3"], stdout=io.StringIO(), env=ENV) == 0
    assert seen == [
        ("POST", "http://gw/v1/admin/api-keys", {"role": "ingest", "tenant_id": "acme"}),
        ("DELETE", "http://gw/v1/admin/api-keys/k1", None),
        ("POST", "http://gw/v1/admin/tenants", {"tenant_id": "acme", "name": "acme"}),
        ("GET", "http://gw/v1/leaderboard?team_id=east&limit=3", None),
    ]


def test_tail_explains_a_gateway_without_the_stream(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    mock_gateway(monkeypatch, lambda request: httpx.Response(404, json={"error": {"message": "Not Found"}}))
    assert main(["tail"], env=ENV) == FAILED
    assert "has no event stream" in capsys.readouterr().err


def test_tail_prints_each_event(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = ('id: e-1\ndata: {"time": "t1", "type": "rapport.network.message.sent", "data": {"rep_id": "ada"}}\n\n'
              ': heartbeat\n\n')
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if len(requests) > 1:
            raise KeyboardInterrupt  # the user stops it while reconnecting
        return httpx.Response(200, text=stream, headers={"content-type": "text/event-stream"})

    mock_gateway(monkeypatch, handler)
    monkeypatch.setattr("rapport_cli.stream.RECONNECT_SECONDS", (0.0,))
    out = io.StringIO()
    assert main(["tail", "--types", "rapport.network."], stdout=out, stderr=io.StringIO(), env=ENV) == 0
    assert out.getvalue() == "t1  network.message.sent" + " " * 17 + "rep_id=ada\n"
    assert requests[0].url.params["types"] == "rapport.network."
    assert requests[1].headers["last-event-id"] == "e-1"


def test_csv_flag_asks_for_the_export_and_writes_it_as_it_came(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []
    body = 'rep_id,name\r\nada,"Lovelace, Ada"\r\n'

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text=body, headers={"content-type": "text/csv; charset=utf-8"})

    mock_gateway(monkeypatch, handler)
    for argv in (["leaderboard", "--csv", "--team", "east", "--limit", "3"], ["history", "ada", "--from", "2026-11-01",
                 "--csv"], ["alerts", "ada", "--csv"], ["outcomes", "--group-by", "team", "--csv"],
                 ["accounts", "--tier", "strategic", "--csv"], ["content", "--kind", "post", "--csv"]):
        out = io.StringIO()
        assert main(argv, stdout=out, env=ENV) == 0
        assert out.getvalue() == body
    assert all(r.headers["accept"] == "text/csv" for r in seen)
    assert [str(r.url.copy_with(scheme="http", host="gw")) for r in seen] == [
        "http://gw/v1/leaderboard?team_id=east",  # the whole board: --limit is for the listing
        "http://gw/v1/reps/ada/score/history?from=2026-11-01", "http://gw/v1/reps/ada/alerts",
        "http://gw/v1/reports/outcomes?group_by=team", "http://gw/v1/accounts?tier=strategic",
        "http://gw/v1/content?kind=post"]
