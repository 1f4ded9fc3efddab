"""`make fuzz`: schemathesis against a whole Rapport stack, on SQLite and on PostgreSQL.

A package of its own (like bench/), because it is a tool with its own dev-only dependency
(schemathesis) that starts its own stacks; the launcher of `make run` (stack/) stays free of it.
`python -m fuzz` (fuzz/__main__.py) starts a stack per database (fuzz/stacks.py), drives the
schemathesis CLI with every phase (fuzz/runner.py), records every response through schemathesis
hooks (fuzz/hooks.py) and prints the cases, the 5xx and the slow requests. The settings are read
from the environment (fuzz/settings.py); docs/developing.md lists them.
"""
