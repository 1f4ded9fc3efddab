"""`make fuzz` (`python -m fuzz`): every phase of schemathesis against a stack on each database.

Exit status 1 when any database saw a 5xx, a request over FUZZ_SLOW_SECONDS, a request without
an answer or a value only the database refused (a 422 that names no field, rapportkit/web.py).
The figures are printed at the end; the CLI's output and the stack's logs are in var/fuzz/<database>/.
"""

from __future__ import annotations

import secrets
import sys
import time

from fuzz import runner, stacks
from fuzz.report import Result, safety_net_hits
from fuzz.settings import OUT, FuzzSettings
from stack import infra


def main() -> int:
    settings = FuzzSettings.from_env()
    stacks.use_own_broker(settings)
    token = f"fuzz-{secrets.token_hex(12)}"
    started = time.monotonic()
    results: list[Result] = []
    if "postgresql" in settings.databases:
        infra.start_postgres()
    try:
        for database in settings.databases:
            print(f"fuzz: starting a stack on {database} (gateway :{settings.gateway_port}, "
                  f"broker :{settings.kafka_port})", flush=True)
            with stacks.running(database, settings, token) as stack:
                result = runner.run(stack.gateway_url, token, OUT / database, settings, database=database)
            result.unnamed = safety_net_hits(stack.log_dir)
            results.append(result)
    finally:
        infra.stop_kafka()
    print(f"\nfuzz: seed {settings.seed}, max examples {settings.max_examples}, {settings.workers} workers, "
          f"{time.monotonic() - started:.0f} s in all", flush=True)
    for result in results:
        print("\n".join(result.lines()), flush=True)
        print(f"  (schemathesis output: {result.log}; the stack's logs: {OUT / result.database / 'logs'})")
    return 0 if results and all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
