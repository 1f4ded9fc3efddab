"""The settings of a fuzz run, from the environment only (docs/developing.md, "Fuzzing")."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "fuzz"
DATABASES = ("sqlite", "postgresql")
PHASES = ("examples", "coverage", "fuzzing", "stateful")


@dataclass(frozen=True)
class FuzzSettings:
    max_examples: int = 150  # per operation and phase (schemathesis `--max-examples`)
    seed: int = 20261120
    workers: int = 2
    databases: tuple[str, ...] = DATABASES
    slow_seconds: float = 5.0  # a request over this is reported, and fails the run
    request_timeout: float = 60.0
    gateway_port: int = 18700  # services on gateway_port + 101..104, workers + 111..114
    kafka_port: int = 19292  # the fuzz run's own broker (emptied per database)
    max_time: int | None = None  # a time budget for each database's schemathesis run, in seconds
    phases: tuple[str, ...] = PHASES
    exclude: tuple[str, ...] = ()  # operations left out, e.g. "DELETE /v1/admin/api-keys/{key_id}"

    @classmethod
    def from_env(cls) -> FuzzSettings:
        env = os.environ
        databases = tuple(d.strip() for d in env.get("FUZZ_DATABASES", ",".join(DATABASES)).split(",") if d.strip())
        unknown = [d for d in databases if d not in DATABASES]
        if unknown or not databases:
            raise SystemExit(f"FUZZ_DATABASES: {', '.join(unknown) or '(empty)'}; choose from {', '.join(DATABASES)}")
        max_time = env.get("FUZZ_MAX_TIME")
        phases = tuple(p.strip() for p in env.get("FUZZ_PHASES", ",".join(PHASES)).split(",") if p.strip())
        if not phases or set(phases) - set(PHASES):
            raise SystemExit(f"FUZZ_PHASES: {','.join(phases) or '(empty)'}; choose from {', '.join(PHASES)}")
        return cls(max_examples=int(env.get("FUZZ_MAX_EXAMPLES", cls.max_examples)),
                   seed=int(env.get("FUZZ_SEED", cls.seed)),
                   workers=int(env.get("FUZZ_WORKERS", cls.workers)),
                   databases=databases,
                   slow_seconds=float(env.get("FUZZ_SLOW_SECONDS", cls.slow_seconds)),
                   request_timeout=float(env.get("FUZZ_REQUEST_TIMEOUT", cls.request_timeout)),
                   gateway_port=int(env.get("FUZZ_GATEWAY_PORT", cls.gateway_port)),
                   kafka_port=int(env.get("FUZZ_KAFKA_PORT", cls.kafka_port)),
                   max_time=int(max_time) if max_time else None, phases=phases)
