"""Settings shared by every process, read only from the environment.

Each process subclasses `PlatformSettings` once (one settings class per process). Values that
have no safe default (the internal signing secret) are required and fail fast when missing.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field("127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    internal_secret: str = Field(validation_alias="RAPPORT_INTERNAL_SECRET", min_length=16)
    log_level: str = Field("INFO", validation_alias="RAPPORT_LOG_LEVEL")
    data_dir: Path = Field(Path("var"), validation_alias="RAPPORT_DATA_DIR")


class ServiceSettings(PlatformSettings):
    """Settings of a service process (API or worker). Subclasses set `service` and the URL alias."""

    service: str = ""
    database_url: str = ""
    consumer_max_retries: int = Field(5, validation_alias="RAPPORT_CONSUMER_MAX_RETRIES")
    consumer_backoff_seconds: float = Field(0.2, validation_alias="RAPPORT_CONSUMER_BACKOFF_SECONDS")
    # events per poll, applied in one transaction: more is more throughput, fewer is less latency
    consumer_max_poll_records: int = Field(500, validation_alias="RAPPORT_CONSUMER_MAX_POLL_RECORDS", ge=1)
    relay_batch_size: int = Field(500, validation_alias="RAPPORT_RELAY_BATCH_SIZE")
    # at most one relay pass per this many ms: a steady stream of small commits goes out in fewer,
    # larger passes; the first event after a quieter spell goes at once (rapportkit.relay)
    relay_min_pass_ms: float = Field(100, validation_alias="RAPPORT_RELAY_MIN_PASS_MS", ge=0)
    # the consumer group is the service's name; another group replays the topics into another database
    consumer_group: str = Field("", validation_alias="RAPPORT_CONSUMER_GROUP")
    # off for a replay into another database: the outbox fills, nothing is published twice
    relay_enabled: bool = Field(True, validation_alias="RAPPORT_RELAY_ENABLED")
    # the bulk lane's pace (rapportkit.pace): imports' events reach the topics while these groups are
    # fewer than this many messages behind (0: unpaced)
    bulk_max_lag: int = Field(250, validation_alias="RAPPORT_BULK_MAX_LAG", ge=0)
    bulk_pace_groups: str = Field("scoring", validation_alias="RAPPORT_BULK_PACE_GROUPS")

    def resolved_database_url(self) -> str:
        """`<SERVICE>_DATABASE_URL` when set, else an SQLite file in RAPPORT_DATA_DIR."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / f'{self.service}.db').resolve()}"


def service_settings(service: str) -> ServiceSettings:
    """Settings of one service's processes; its database URL comes from `<SERVICE>_DATABASE_URL`."""
    return ServiceSettings(service=service, database_url=os.environ.get(f"{service.upper()}_DATABASE_URL", ""))
