"""Drive the schemathesis CLI (pinned in the dev extra) against a running gateway.

The CLI is schemathesis's documented interface and runs every phase (`examples`, `coverage`,
`fuzzing`, `stateful` with links inferred from `Location` headers and from the response schemas);
its terminal output shows the progress. The verdict is ours: fuzz/hooks.py records every request,
fuzz/report.py counts what matters (5xx, requests over the slow threshold, requests without answer).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fuzz.report import Result, generated_cases, read_calls
from fuzz.settings import ROOT, FuzzSettings

CONFIG = Path(__file__).with_name("schemathesis.toml")


def command(base_url: str, token: str, out_dir: Path, settings: FuzzSettings) -> list[str]:
    args = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{base_url}/openapi.json",
            "--phases", ",".join(settings.phases),
            "--checks", "not_a_server_error", "--max-response-time", f"{settings.slow_seconds:g}",
            "--max-examples", str(settings.max_examples), "--seed", str(settings.seed),
            "--workers", str(settings.workers), "--request-timeout", f"{settings.request_timeout:g}",
            "--header", f"Authorization: Bearer {token}",
            "--suppress-health-check", "all", "--generation-database", "none", "--continue-on-failure",
            "--report", "json", "--report-json-path", str(out_dir / "schemathesis.json"), "--no-color"]
    for operation in settings.exclude:
        args += ["--exclude-name", operation]
    if settings.max_time:
        args += ["--max-time", str(settings.max_time)]
    return args


def run(base_url: str, token: str, out_dir: Path, settings: FuzzSettings, *, database: str, tenant: str = "demo",
        echo: bool = True) -> Result:
    """One schemathesis run against `base_url` with `token`; the CLI's output goes to the terminal
    (`echo`) or only to `out_dir/schemathesis.log`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    calls = out_dir / "calls.jsonl"
    calls.unlink(missing_ok=True)
    log = out_dir / "schemathesis.log"
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "fuzz.hooks", "FUZZ_CALLS": str(calls), "FUZZ_TENANT": tenant,
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "libs"), os.environ.get("PYTHONPATH", "")])}
    with open(log, "wb") as out:
        proc = subprocess.Popen(command(base_url, token, out_dir, settings), cwd=out_dir, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        try:
            for chunk in iter(proc.stdout.readline, b""):
                out.write(chunk)
                if echo:
                    sys.stdout.buffer.write(chunk)
                    sys.stdout.flush()
            code = proc.wait()
        finally:  # interrupted: schemathesis goes too, before the stack it calls
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
    return Result(database=database, cases=generated_cases(out_dir / "schemathesis.json"), calls=read_calls(calls),
                  slow_seconds=settings.slow_seconds, exit_code=code, log=log)
