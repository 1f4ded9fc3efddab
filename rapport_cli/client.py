"""The gateway as the CLI sees it: JSON requests, and every failure as one clear `CliError`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import httpx

from rapport_cli.config import Config

# exit codes (docs/imports.md "Command-line client")
OK, FAILED, USAGE, UNREACHABLE, REFUSED = 0, 1, 2, 3, 4


class CliError(Exception):
    """A one-line message for stderr and the process's exit code."""

    def __init__(self, message: str, code: int = FAILED):
        super().__init__(message)
        self.message = message
        self.code = code


def error_message(response: httpx.Response) -> str:
    """The API's `{"error": {"code", "message"}}`, else the start of the body."""
    try:
        error = response.json().get("error") or {}
        message = str(error.get("message") or "")
    except (ValueError, AttributeError):
        message = ""
    return message or response.text.strip()[:300] or response.reason_phrase


def check(response: httpx.Response, config: Config) -> httpx.Response:
    if response.status_code < 400:
        return response
    status, message = response.status_code, error_message(response)
    if status == 401:
        where = config.source.get("token")
        hint = f" (token from {where})" if where else " (set RAPPORT_TOKEN or pass --token)"
        raise CliError(f"the gateway refused the API key: {message}{hint}", REFUSED)
    if status == 403:
        raise CliError(f"not allowed: {message}", REFUSED)
    raise CliError(f"{response.request.method} {response.request.url.path} failed ({status}): {message}")


class Gateway:
    def __init__(self, config: Config, *, timeout: float = 60.0, transport: httpx.BaseTransport | None = None):
        self.config = config
        headers = {"User-Agent": "rapport-cli"}
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        self.http = httpx.Client(base_url=config.url, headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def reaching(self) -> Iterator[None]:
        """Turn transport failures into one line naming the URL."""
        try:
            yield
        except httpx.ConnectError as exc:
            raise CliError(f"cannot reach the gateway at {self.config.url} ({reason(exc)}); is it running? "
                           "(set RAPPORT_URL or pass --url)", UNREACHABLE) from exc
        except httpx.TimeoutException as exc:
            raise CliError(f"the gateway at {self.config.url} did not answer in time", UNREACHABLE) from exc
        except httpx.HTTPError as exc:
            raise CliError(f"talking to the gateway at {self.config.url} failed: {reason(exc)}", UNREACHABLE) from exc

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        if not self.config.token:
            raise CliError("no API key: set RAPPORT_TOKEN, pass --token, or put `token = \"...\"` in the "
                           "config file (see `rapport --help`)", REFUSED)
        with self.reaching():
            response = self.http.request(method, path, **kwargs)
        return check(response, self.config).json()

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def csv(self, path: str, out: TextIO, **params: Any) -> None:
        """Write the CSV export of a read (`Accept: text/csv`, docs/integrations.md) to `out` as it streams."""
        if not self.config.token:
            self.request("GET", path)  # the one "no API key" message
        with self.reaching(), self.http.stream("GET", path, headers={"Accept": "text/csv"},
                                               params={k: v for k, v in params.items() if v is not None}) as answer:
            if answer.status_code >= 400:
                answer.read()
                check(answer, self.config)
            for text in answer.iter_text():
                out.write(text)  # as it came: RFC 4180, CRLF line ends

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)


def reason(exc: Exception) -> str:
    text = str(exc).strip()
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    return text or type(exc).__name__
