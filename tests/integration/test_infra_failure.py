"""Infrastructure that cannot be had makes the scripts fail loudly (so tests fail, not skip)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "deploy" / "local"


def test_kafka_script_fails_clearly_without_java(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": "/usr/bin/nonexistent:/bin", "RAPPORT_CACHE": str(tmp_path),
           "RAPPORT_KAFKA_PORT": "19999"}
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "id", "mkdir", "sha1sum", "cut", "dirname", "basename", "cat", "rm"):
        real = subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True).stdout.strip()
        if real:
            (bin_dir / tool).symlink_to(real)
    env["PATH"] = str(bin_dir)
    proc = subprocess.run([str(bin_dir / "bash"), str(SCRIPTS / "kafka.sh"), "start"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "java not found" in proc.stderr


def test_postgres_createdb_fails_clearly_when_the_server_is_down(tmp_path: Path) -> None:
    env = {**os.environ, "RAPPORT_CACHE": str(tmp_path), "RAPPORT_PG_PORT": "1"}
    proc = subprocess.run(["bash", str(SCRIPTS / "postgres.sh"), "createdb", "x"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert proc.stderr.strip() != ""
