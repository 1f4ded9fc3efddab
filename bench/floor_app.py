"""The floor's web process (bench/floor.py): takes batches of events as the gateway does and produces
each one with the project's producer settings, answering 202 once the broker has acked them all.
Run by uvicorn as `bench.floor_app:app`, configured by BENCH_FLOOR_BOOTSTRAP and BENCH_FLOOR_TOPIC."""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from rapportkit import jsonutil
from rapportkit.kafka import close_producer, make_producer
from rapportkit.relay import LIVE_HEADERS

TOPIC = os.environ["BENCH_FLOOR_TOPIC"]
producer = make_producer(os.environ["BENCH_FLOOR_BOOTSTRAP"], client_id="bench-floor")
app = FastAPI(on_shutdown=[lambda: close_producer(producer)])


@app.get("/ready")
def ready() -> dict[str, str]:
    return {"status": "ready"}


@app.post("/v1/events", status_code=202)
async def post(request: Request) -> dict[str, int]:
    events: list[dict[str, Any]] = jsonutil.loads(await request.body())

    def send() -> None:  # in the thread pool, as the gateway forwards
        sent = [producer.send(TOPIC, key=f"{e['tenantid']}:{e['data']['rep_id']}".encode(),
                              value=jsonutil.dumps(e), headers=LIVE_HEADERS) for e in events]
        for future in sent:
            future.get(timeout=30)

    await run_in_threadpool(send)
    return {"accepted": len(events)}
