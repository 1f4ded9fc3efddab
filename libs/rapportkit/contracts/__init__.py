"""The public HTTP contracts: the JSON bodies of the routes the services serve behind the gateway.

One module per owning domain (insight, network, content, scoring). The services declare these
models as `response_model=` (and their request bodies and query types), and the gateway declares
the same models on the routes it forwards, so both OpenAPI documents show one definition of each
body and the gateway imports no service code (docs/architecture.md, "Public HTTP contracts").

Models describe what the handlers return today: a value the handler writes as a string (times,
days) stays a string here, and a number stays the int or float it was (`fields.Number`), so
declaring a model changes no byte a client reads.
"""
