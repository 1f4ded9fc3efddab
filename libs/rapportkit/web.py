"""FastAPI app factory shared by the services and the gateway.

Gives every process: request ids (X-Request-ID in and out), JSON access logs, the one error
shape for every failure (4xx naming the field, 5xx without a stack trace), `/health`,
`/ready` and Prometheus `/metrics`, and the `IdentityDep` / `SessionDep` dependencies.

Malformed input never becomes a 500: parameters are validated by their declared types (path ids
and paging: rapportkit/params.py), a NUL character anywhere is refused before routing
(rapportkit/nul.py), a caller's `X-Request-ID` is kept only when it is a plain token (it is
echoed and forwarded in headers), and a value the database still refuses (SQLSTATE class 22, e.g.
a number beyond its column) is the caller's 422, logged so that the rule missing at the edge can
be added.
"""

from __future__ import annotations

import gc
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rapportkit.db import read_session
from rapportkit.errors import ApiError, error_body
from rapportkit.identity import HEADER, Identity, IdentityError, verify
from rapportkit.logs import request_id_var, tenant_var
from rapportkit.metrics import metrics
from rapportkit.nul import RefuseNul

log = logging.getLogger(__name__)

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")


def request_id(given: str | None) -> str:
    """The caller's X-Request-ID when it is a plain token, else a fresh one."""
    return given if given is not None and REQUEST_ID.match(given) else uuid.uuid4().hex


def _loc(raw: Any) -> list[str | int]:
    return [p for p in raw if p not in ("body",)] if isinstance(raw, list | tuple) else [str(raw)]


class RequestContext:
    """ASGI middleware: the request id (the caller's X-Request-ID when it is a plain token, echoed
    in the answer), the request counters and latency, and the access log line. Plain ASGI, not
    Starlette's `BaseHTTPMiddleware` (`@app.middleware("http")`), whose task and memory streams
    per request cost every process more than the rest of a score read's routing."""

    def __init__(self, app: ASGIApp, *, service: str):
        self.app = app
        self.metrics = metrics(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(Headers(scope=scope).get("x-request-id"))
        request_id_var.set(rid)
        tenant_var.set(None)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - started
            self.metrics.http_requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.http_latency.labels(route).observe(elapsed)
            if route not in ("/health", "/ready", "/metrics"):
                log.info("request", extra={"fields": {"method": scope["method"], "path": scope["path"],
                                                      "status": status, "ms": round(elapsed * 1000, 2)}})


def create_app(*, service: str, title: str, lifespan: Lifespan | None = None,
               ready: Callable[[], None] | None = None, alive: Callable[[], None] | None = None,
               version: str = "1.0.0",
               description: str = "") -> FastAPI:
    """A FastAPI app with the platform's middleware, error handlers and probes."""
    app = FastAPI(title=title, version=version, description=description, lifespan=frozen_after(lifespan))
    app.add_middleware(RefuseNul)
    app.add_middleware(RequestContext, service=service)  # outermost: RefuseNul's answers carry the request id too

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"loc": _loc(e.get("loc", [])), "msg": e.get("msg", "invalid")} for e in exc.errors()]
        first = details[0] if details else {"loc": [], "msg": "invalid request"}
        message = f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
        return JSONResponse(error_body("validation_error", message, details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                413: "payload_too_large", 429: "rate_limited"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    async def unstorable_value(_: Request, exc: DataError) -> JSONResponse:
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "invalid value"
        log.warning("the database refused a value of the request: %s", reason, exc_info=exc)
        return JSONResponse(error_body("invalid_value", f"a value of the request cannot be stored ({reason})",
                                       [{"loc": [], "msg": reason}]), status_code=422)

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        return JSONResponse(error_body("internal_error",
                                       f"internal error (request id {request_id_var.get()})"),
                            status_code=500)

    @app.get("/health", include_in_schema=False)
    def health() -> JSONResponse:
        """Liveness: fails only when the process cannot recover by itself (a dead background loop)."""
        try:
            if alive is not None:
                alive()
        except Exception as exc:  # noqa: BLE001
            return JSONResponse({"status": "dead", "service": service, "reason": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok", "service": service})

    @app.get("/ready", include_in_schema=False)
    def readiness() -> JSONResponse:
        try:
            if ready is not None:
                ready()
        except Exception as exc:  # noqa: BLE001 - report, do not crash the probe
            return JSONResponse({"status": "not_ready", "service": service, "reason": str(exc)},
                                status_code=503)
        return JSONResponse({"status": "ready", "service": service})

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


def current_identity(request: Request) -> Identity:
    """The caller as the gateway vouched for it; 401 without a valid signed header."""
    try:
        identity = verify(request.headers.get(HEADER), request.app.state.internal_secret)
    except IdentityError as exc:
        raise ApiError(401, "unauthorized", f"{exc}: services accept requests only from the gateway") from exc
    tenant_var.set(identity.tenant_id)
    return identity


def db_session(request: Request) -> Iterator[Session]:
    """A read session for the request: one snapshot (`read_session`); writes use `unit_of_work`."""
    with read_session(request.app.state.session_factory) as session:
        yield session


IdentityDep = Annotated[Identity, Depends(current_identity)]
SessionDep = Annotated[Session, Depends(db_session)]


def frozen_after(lifespan: Lifespan | None) -> Lifespan:
    """The app's lifespan, and once its startup is done, the heap built so far frozen (`gc.freeze`):
    what the imports and the startup made (most of a process's objects, living as long as it) is
    left out of every later collection. A full collection walks every tracked object with the interpreter
    held: before, one stopped a process for 70–120 ms a few times a minute under `make bench`'s
    freshness load, and a probe caught in one was the run's slowest."""

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app) if lifespan is not None else nullcontext():
            _freeze_once()
            yield

    return run


def _freeze_once() -> None:
    """The startup's garbage collected (a migration's, say: frozen, it would stay for good), then the
    rest frozen; once per process (a test process starts many apps: their later garbage stays free)."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
