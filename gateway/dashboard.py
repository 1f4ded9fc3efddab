"""The dashboard: static HTML, CSS and JavaScript served by the gateway at `/` (docs/dashboard.md).

No build step and nothing from a CDN: the files in gateway/static are served as they are. The page
itself carries no data and needs no key; the browser signs in with an API key and calls the same
public API as everyone else (`Authorization: Bearer <key>`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from rapportkit.errors import not_found
from rapportkit.params import LinkPathId

STATIC = Path(__file__).parent / "static"
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml", ".ico": "image/x-icon"}
# Only same-origin scripts, styles and API calls; no inline script, no framing.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


def _file(name: str) -> Response:
    path = (STATIC / name).resolve()
    if STATIC.resolve() not in path.parents or not path.is_file() or path.suffix not in TYPES:
        raise not_found(f"file {name!r}")
    return FileResponse(path, media_type=TYPES[path.suffix], headers=HEADERS)


@router.get("/")
def dashboard() -> Response:
    """The dashboard's single page."""
    return _file("index.html")


@router.get("/static/{name:path}")
def static_file(name: LinkPathId) -> Response:
    return _file(name)
