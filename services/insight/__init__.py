"""The insight service."""
