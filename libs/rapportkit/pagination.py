"""The one pagination shape of list reads: `?limit=&offset=` in, `{items, total, limit, offset}` out.

Both are bounded (rapportkit/params.py): a limit of 1–500, an offset of at most 10⁹ (an offset
beyond 64 bits once reached the database and answered 500)."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends
from pydantic import BaseModel

from rapportkit.params import Limit, Offset

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """The body of a list read (`page(...)` builds it); `total` counts every match, not just this page."""

    items: list[T]
    total: int
    limit: int
    offset: int


class PageParams(BaseModel):
    limit: int
    offset: int


def page_params(limit: Limit = 50, offset: Offset = 0) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


def page(items: list[Any], *, total: int, params: PageParams) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": params.limit, "offset": params.offset}
