"""Public routes owned by the insight service."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["insight"])
