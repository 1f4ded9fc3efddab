"""The request parameters every route shares, validated once at the edge: path ids and paging.

An id in a path follows the contract (docs/contracts.md "Identity of things"): 1–200 characters,
no control characters (C0, DEL, C1) and no `/` — except a content id, which may be a link and so
may hold `/` (`/v1/content/{content_id}` takes the rest of the path). Offsets and limits are
bounded. The constraints are declared with FastAPI's `Path` / `Query`, so a bad value is a 422
naming the field (`["path", "account_id"]`, `["query", "offset"]`) before any handler runs, and
the OpenAPI publishes them for generated clients and fuzzers.

Use `PathId` (or `LinkPathId`) as the type of every path id, in the gateway and in the services:
`def get_account(account_id: PathId, ...)`. Paging: `rapportkit.pagination.PageDep`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

ID_MAX_LENGTH = 200
CONTROL = r"\x00-\x1f\x7f-\x9f"
ID_PATTERN = rf"^[^{CONTROL}/]+$"
LINK_ID_PATTERN = rf"^[^{CONTROL}]+$"
MAX_OFFSET = 1_000_000_000  # far beyond any list of a tenant; fits every database's integer
MAX_LIMIT = 500

PathId = Annotated[str, Path(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN,
                             description="1–200 characters, no control characters, no `/`")]
LinkPathId = Annotated[str, Path(min_length=1, max_length=ID_MAX_LENGTH, pattern=LINK_ID_PATTERN,
                                 description="1–200 characters, no control characters (`/` allowed: "
                                             "ids may be links; percent-encode them)")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"items to skip (at most {MAX_OFFSET:,})")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"items per page (at most {MAX_LIMIT})")]
