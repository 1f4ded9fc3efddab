"""Local process supervision: the five processes (plus workers) of a Rapport stack.

Used by `make run` (`python -m stack.run`), by the integration tests and by the benchmark, so
the stack is started one way everywhere.
"""
