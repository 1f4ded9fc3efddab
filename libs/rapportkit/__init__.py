"""rapportkit: the one shared building block of Rapport.

CloudEvents envelope and JSON Schemas (catalog), producer and consumer loop with inbox dedupe and
DLQ, transactional outbox and relay, unit of work, settings, health/ready/metrics, JSON logs,
signed internal identity. No domain logic lives here.
"""
