"""`rapport`: the command-line client of a Rapport gateway (docs/imports.md "Command-line client").

Human output by default, `--json` for scripts; progress and errors on stderr. Exit codes: 0 done,
1 failed (an API error, a failed import), 2 usage, 3 gateway unreachable, 4 API key refused
(401/403), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from rapport_cli import imports, output
from rapport_cli.client import USAGE, CliError, Gateway
from rapport_cli.config import ConfigError, load
from rapport_cli.stream import tail

EPILOG = """configuration: --url/--token, else RAPPORT_URL/RAPPORT_TOKEN, else the TOML file
$RAPPORT_CONFIG or ~/.config/rapport/config.toml (keys `url`, `token`); default URL
http://127.0.0.1:8080. Exit codes: 0 ok, 1 failed, 2 usage, 3 gateway unreachable, 4 key refused."""


@dataclass
class Context:
    args: argparse.Namespace
    gateway: Gateway
    stdout: TextIO
    stderr: TextIO

    def show(self, value: Any, human: Callable[[Any], str]) -> None:
        self.stdout.write((output.dumps(value) if self.args.json else human(value)) + "\n")


def iso_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


# ---------------------------------------------------------------- commands


def cmd_import_linkedin(ctx: Context) -> int:
    a = ctx.args
    started = imports.start_linkedin(ctx.gateway, Path(a.path), rep=a.rep, profile_url=a.profile_url)
    return after_start(ctx, started)


def cmd_import_crm(ctx: Context) -> int:
    a = ctx.args
    started = imports.start_crm(ctx.gateway, Path(a.path), mapping=Path(a.mapping) if a.mapping else None)
    return after_start(ctx, started)


def after_start(ctx: Context, started: dict[str, Any]) -> int:
    if not ctx.args.wait:
        ctx.show(started, lambda s: f"import {s['job_id']} {s['status']}; follow it with "
                                    f"`rapport import status {s['job_id']} --wait`")
        return 0
    return report_job(ctx, started["job_id"], wait=True)


def cmd_import_status(ctx: Context) -> int:
    return report_job(ctx, ctx.args.job_id, wait=ctx.args.wait)


def report_job(ctx: Context, job_id: str, *, wait: bool) -> int:
    view = output.ProgressView(ctx.stderr, ctx.args.progress)
    state = imports.finish(ctx.gateway, job_id, wait=wait, view=view, stderr=ctx.stderr)
    if ctx.args.rejections:
        items = imports.all_rejections(ctx.gateway, job_id)
        state["rejections"] = {**state["rejections"], "items": items, "limit": len(items), "offset": 0}
    ctx.show(state, lambda s: output.job_summary(s) + (
        "\n\n" + output.rejections_table(s["rejections"]["items"]) if ctx.args.rejections else ""))
    return imports.exit_code(state)


def cmd_import_list(ctx: Context) -> int:
    a = ctx.args
    jobs = ctx.gateway.get("/v1/imports", status=a.status, kind=a.kind, limit=a.limit, offset=a.offset)
    ctx.show(jobs, output.jobs_table)
    return 0


def cmd_score(ctx: Context) -> int:
    ctx.show(ctx.gateway.get(f"/v1/reps/{ctx.args.rep}/score", date=ctx.args.date), output.score_text)
    return 0


def cmd_leaderboard(ctx: Context) -> int:
    a = ctx.args
    if a.csv:  # the whole board: `--limit` is for the listing
        return read(ctx, "/v1/leaderboard", output.leaderboard_text, team_id=a.team, date=a.date)
    return read(ctx, "/v1/leaderboard", output.leaderboard_text, team_id=a.team, date=a.date, limit=a.limit)


def read(ctx: Context, path: str, human: Callable[[Any], str], **params: Any) -> int:
    """A read shown as text (`--json`: JSON), or its CSV export with `--csv`."""
    if ctx.args.csv:
        ctx.gateway.csv(path, ctx.stdout, **params)
    else:
        ctx.show(ctx.gateway.get(path, **params), human)
    return 0


def cmd_history(ctx: Context) -> int:
    a = ctx.args
    return read(ctx, f"/v1/reps/{quote(a.rep, safe='')}/score/history", output.dumps, to=a.to, **{"from": a.from_})


def cmd_alerts(ctx: Context) -> int:
    return read(ctx, f"/v1/reps/{quote(ctx.args.rep, safe='')}/alerts", output.dumps, kind=ctx.args.kind)


def cmd_outcomes(ctx: Context) -> int:
    a = ctx.args
    return read(ctx, "/v1/reports/outcomes", output.dumps, group_by=a.group_by, to=a.to, **{"from": a.from_})


def cmd_accounts(ctx: Context) -> int:
    a = ctx.args
    return read(ctx, "/v1/accounts", output.dumps, tier=a.tier, quadrant=a.quadrant, sort=a.sort)


def cmd_content(ctx: Context) -> int:
    a = ctx.args
    return read(ctx, "/v1/content", output.dumps, rep_id=a.rep, kind=a.kind, owner=a.owner)


def cmd_tail(ctx: Context) -> int:
    def emit(event: dict[str, Any]) -> None:
        ctx.stdout.write((output.dumps(event).replace("\n", "") if ctx.args.json else output.event_line(event)) + "\n")
        ctx.stdout.flush()

    def notice(text: str) -> None:
        ctx.stderr.write(f"rapport: {text}\n")

    try:
        tail(ctx.gateway, types=ctx.args.types, emit=emit, notice=notice)
    except KeyboardInterrupt:
        return 0
    return 0


def cmd_whoami(ctx: Context) -> int:
    me = ctx.gateway.get("/v1/me")
    ctx.show(me, lambda m: f"tenant {m['tenant_id']}, role {m['role']}"
             + (f", rep {m['rep_id']}" if m.get("rep_id") else "")
             + (f", teams {', '.join(m['team_ids'])}" if m.get("team_ids") else "")
             + f" — {ctx.gateway.config.url}")
    return 0


def admin_post(ctx: Context, path: str, body: dict[str, Any], human: Callable[[Any], str]) -> int:
    answer = ctx.gateway.post(path, json={k: v for k, v in body.items() if v not in (None, [])})
    ctx.show(answer, human)
    return 0


def cmd_tenant_create(ctx: Context) -> int:
    a = ctx.args
    return admin_post(ctx, "/v1/admin/tenants", {"tenant_id": a.tenant_id, "name": a.name or a.tenant_id},
                      lambda t: f"tenant {t.get('tenant_id')} ({t.get('name')})")


def cmd_team_create(ctx: Context) -> int:
    a = ctx.args
    return admin_post(ctx, "/v1/admin/teams", {"team_id": a.team_id, "name": a.name or a.team_id,
                                               "tenant_id": a.tenant},
                      lambda t: f"team {t.get('team_id')} ({t.get('name')}) of tenant {t.get('tenant_id')}")


def cmd_rep_create(ctx: Context) -> int:
    a = ctx.args
    return admin_post(ctx, "/v1/admin/reps", {"rep_id": a.rep_id, "name": a.name, "team_id": a.team,
                                              "tenant_id": a.tenant},
                      lambda r: f"rep {r.get('rep_id')} ({r.get('name')}), team {r.get('team_id')}, "
                                f"tenant {r.get('tenant_id')}")


def cmd_key_create(ctx: Context) -> int:
    a = ctx.args
    body = {"role": a.role, "name": a.name, "rep_id": a.rep, "team_ids": a.team or [], "user_id": a.user,
            "tenant_id": a.tenant}
    return admin_post(ctx, "/v1/admin/api-keys", body,
                      lambda k: f"key {k.get('key_id')}: role {k.get('role')}, tenant {k.get('tenant_id')}\n"
                                f"{k.get('key')}\n(the key is shown once: store it now)")


def cmd_key_revoke(ctx: Context) -> int:
    a = ctx.args
    params = {"tenant_id": a.tenant} if a.tenant else None
    answer = ctx.gateway.request("DELETE", f"/v1/admin/api-keys/{a.key_id}", params=params)
    ctx.show(answer, lambda k: f"key {k.get('key_id')} revoked")
    return 0


# ---------------------------------------------------------------- arguments


def build_parser() -> argparse.ArgumentParser:
    # the global options are accepted before or after the command (`rapport --json score x` or
    # `rapport score x --json`); after it they are SUPPRESSed unless given, not reset to defaults
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    shared.add_argument("--url", default=argparse.SUPPRESS, help="the gateway (RAPPORT_URL)")
    shared.add_argument("--token", default=argparse.SUPPRESS, help="the API key (RAPPORT_TOKEN)")

    parser = argparse.ArgumentParser(prog="rapport", description="Rapport from the command line.", epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", default=False, help="machine-readable output")
    parser.add_argument("--url", default=None, help="the gateway (RAPPORT_URL)")
    parser.add_argument("--token", default=None, help="the API key (RAPPORT_TOKEN)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def leaf(group: Any, name: str, handler: Callable[[Context], int], help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, parents=[shared], help=help_text,
                                                        description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def csv_flag(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--csv", action="store_true", help="the whole result as CSV on stdout")

    def period_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--from", dest="from_", type=iso_date, help="first day (YYYY-MM-DD)")
        sub.add_argument("--to", type=iso_date, help="last day (YYYY-MM-DD)")
        csv_flag(sub)

    def progress_options(sub: argparse.ArgumentParser, *, wait_default: bool) -> None:
        sub.add_argument("--wait", dest="wait", action="store_true", default=wait_default,
                         help="follow the job until it ends" + (" (the default)" if wait_default else ""))
        if wait_default:
            sub.add_argument("--no-wait", dest="wait", action="store_false", help="print the job id and return")
        sub.add_argument("--progress", choices=("auto", "bar", "lines", "off"), default="auto",
                         help="progress on stderr: a bar on a terminal, lines otherwise (auto)")
        sub.add_argument("--rejections", action="store_true", help="list every rejected row at the end")

    group = commands.add_parser("import", help="import a LinkedIn export or a CRM CSV").add_subparsers(
        dest="what", metavar="KIND", required=True)
    sub = leaf(group, "linkedin", cmd_import_linkedin, "import a LinkedIn data export (.zip or unpacked folder)")
    sub.add_argument("path", metavar="PATH")
    sub.add_argument("--rep", help="whose export it is (default: worked out from the export)")
    sub.add_argument("--profile-url", help="the rep's LinkedIn profile URL")
    progress_options(sub, wait_default=True)
    sub = leaf(group, "crm", cmd_import_crm, "import a CRM opportunity CSV (Maven layout built in)")
    sub.add_argument("path", metavar="PATH")
    sub.add_argument("--mapping", metavar="FILE", help="column mapping JSON for another layout")
    progress_options(sub, wait_default=True)
    sub = leaf(group, "list", cmd_import_list, "the tenant's import jobs, newest first")
    sub.add_argument("--status", choices=("queued", "running", "done", "failed"), help="only jobs in this status")
    sub.add_argument("--kind", choices=("linkedin", "crm"), help="only jobs of this kind")
    sub.add_argument("--limit", type=positive, help="at most this many jobs (default 50)")
    sub.add_argument("--offset", type=int, help="skip this many jobs")
    sub = leaf(group, "status", cmd_import_status, "show an import job")
    sub.add_argument("job_id", metavar="JOB_ID")
    progress_options(sub, wait_default=False)

    sub = leaf(commands, "score", cmd_score, "a rep's score: total, pillars and factors")
    sub.add_argument("rep", metavar="REP")
    sub.add_argument("--date", type=iso_date, help="a past day (YYYY-MM-DD; default today)")
    sub = leaf(commands, "leaderboard", cmd_leaderboard, "reps ranked by score")
    sub.add_argument("--team", help="one team")
    sub.add_argument("--date", type=iso_date, help="a past day (YYYY-MM-DD; default today)")
    sub.add_argument("--limit", type=positive, help="at most this many reps (default 50)")
    csv_flag(sub)
    # reads with a CSV export (docs/integrations.md): JSON by default, `--csv` for the whole result as CSV
    sub = leaf(commands, "history", cmd_history, "a rep's daily scores (CSV: with each factor's contribution)")
    sub.add_argument("rep", metavar="REP")
    period_options(sub)
    sub = leaf(commands, "alerts", cmd_alerts, "a rep's dark-side alerts with evidence")
    sub.add_argument("rep", metavar="REP")
    sub.add_argument("--kind", help="one kind of alert, e.g. mass_message")
    csv_flag(sub)
    sub = leaf(commands, "outcomes", cmd_outcomes, "outcomes by rep or team")
    sub.add_argument("--group-by", choices=("rep", "team"))
    period_options(sub)
    sub = leaf(commands, "accounts", cmd_accounts, "accounts with tier, ICP fit and quadrant")
    sub.add_argument("--tier", action="append", help="only this tier (repeatable)")
    sub.add_argument("--quadrant", action="append", help="only this quadrant (repeatable)")
    sub.add_argument("--sort", choices=("fit", "name", "updated"))
    csv_flag(sub)
    sub = leaf(commands, "content", cmd_content, "content ranked by engagement from target stakeholders")
    sub.add_argument("--rep", help="one rep's content, shares and the engagement they received")
    sub.add_argument("--kind", choices=("post", "article", "video", "document", "asset"))
    sub.add_argument("--owner", help='a rep id, or "company"')
    csv_flag(sub)
    sub = leaf(commands, "tail", cmd_tail, "follow the events as they are published (Ctrl-C stops)")
    sub.add_argument("--types", help="comma-separated event types or prefixes, e.g. rapport.scoring.")
    leaf(commands, "whoami", cmd_whoami, "the API key's tenant and role")

    admin = commands.add_parser("admin", help="tenants, teams, reps and API keys (admin keys)").add_subparsers(
        dest="area", metavar="AREA", required=True)
    tenants = admin.add_parser("tenants", help="tenants").add_subparsers(dest="action", metavar="ACTION",
                                                                          required=True)
    sub = leaf(tenants, "create", cmd_tenant_create, "create a tenant (the platform admin's key)")
    sub.add_argument("tenant_id", metavar="TENANT_ID")
    sub.add_argument("--name")
    teams = admin.add_parser("teams", help="teams").add_subparsers(dest="action", metavar="ACTION", required=True)
    sub = leaf(teams, "create", cmd_team_create, "create a team")
    sub.add_argument("team_id", metavar="TEAM_ID")
    sub.add_argument("--name")
    sub.add_argument("--tenant", help="another tenant (platform admin)")
    reps = admin.add_parser("reps", help="reps").add_subparsers(dest="action", metavar="ACTION", required=True)
    sub = leaf(reps, "create", cmd_rep_create, "create a rep")
    sub.add_argument("rep_id", metavar="REP_ID")
    sub.add_argument("--name", required=True)
    sub.add_argument("--team", required=True)
    sub.add_argument("--tenant", help="another tenant (platform admin)")
    keys = admin.add_parser("keys", help="API keys").add_subparsers(dest="action", metavar="ACTION", required=True)
    sub = leaf(keys, "create", cmd_key_create, "create an API key (shown once)")
    sub.add_argument("--role", required=True, choices=("admin", "manager", "rep", "ingest"))
    sub.add_argument("--name", help="what the key is for")
    sub.add_argument("--rep", help="role rep: the rep whose data it reads")
    sub.add_argument("--team", action="append", help="role manager: a team it reads (repeat for more)")
    sub.add_argument("--user", help="the user holding the key")
    sub.add_argument("--tenant", help="another tenant (platform admin)")
    sub = leaf(keys, "revoke", cmd_key_revoke, "revoke an API key")
    sub.add_argument("key_id", metavar="KEY_ID")
    sub.add_argument("--tenant", help="another tenant (platform admin)")
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None,
         env: Mapping[str, str] | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the usage and the error
        return int(exit_.code or 0)
    try:
        config = load(url=args.url, token=args.token, env=os.environ if env is None else env)
    except ConfigError as exc:
        err.write(f"rapport: {exc}\n")
        return USAGE
    for warning in config.warnings:
        err.write(f"rapport: warning: {warning}\n")
    try:
        with Gateway(config) as gateway:
            handler: Callable[[Context], int] = args.handler
            return handler(Context(args, gateway, out, err))
    except CliError as exc:
        err.write(f"rapport: {exc.message}\n")
        return exc.code
    except KeyboardInterrupt:
        err.write("rapport: interrupted\n")
        return 130
