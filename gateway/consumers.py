"""What the gateway consumes (its own consumer group `gateway`) and the handlers it registers."""

from __future__ import annotations

from rapportkit.consumer import Handler

CONSUMES: list[str] = []
HANDLERS: dict[str, list[Handler]] = {}
