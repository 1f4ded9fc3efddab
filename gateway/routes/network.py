"""Public routes owned by the network service."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["network"])
