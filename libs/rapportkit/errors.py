"""The one error shape of the API: {"error": {"code", "message", "details": [{"loc", "msg"}]}}."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str,
                 details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def bad_request(loc: list[str | int], msg: str) -> ApiError:
    return ApiError(422, "validation_error", f"{'.'.join(map(str, loc))}: {msg}", [{"loc": loc, "msg": msg}])
