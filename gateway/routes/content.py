"""Public routes owned by the content service."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["content"])
