"""Scalar types of the public bodies: the value passes through unchanged, the schema says what it is.

A pydantic `float` would turn a handler's `3` into `3.0`, and `datetime` would rewrite the offset of
a time the handler already formatted; these keep the handler's value and document its format.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import WithJsonSchema

from rapportkit.catalog import PERSON

Number = Annotated[int | float, WithJsonSchema({"type": "number"})]
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
Person = Annotated[dict[str, Any], WithJsonSchema({
    "type": "object", "properties": PERSON["properties"],
    "description": "a person as events name them (docs/contracts.md): the fields that are known"})]
