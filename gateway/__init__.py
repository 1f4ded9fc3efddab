"""The API gateway: the only public door (identity, routing, limits, stream, dashboard)."""
