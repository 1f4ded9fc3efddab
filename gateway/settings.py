"""Gateway settings, from the environment only."""

from __future__ import annotations

from pydantic import Field

from rapportkit.settings import ServiceSettings

SERVICES = ("insight", "network", "content", "scoring")


class GatewaySettings(ServiceSettings):
    service: str = "gateway"
    database_url: str = Field("", validation_alias="GATEWAY_DATABASE_URL")
    port: int = Field(8080, validation_alias="RAPPORT_GATEWAY_PORT")
    bootstrap_token: str = Field("", validation_alias="RAPPORT_BOOTSTRAP_TOKEN")
    insight_url: str = Field("http://127.0.0.1:8101", validation_alias="RAPPORT_INSIGHT_URL")
    network_url: str = Field("http://127.0.0.1:8102", validation_alias="RAPPORT_NETWORK_URL")
    content_url: str = Field("http://127.0.0.1:8103", validation_alias="RAPPORT_CONTENT_URL")
    scoring_url: str = Field("http://127.0.0.1:8104", validation_alias="RAPPORT_SCORING_URL")
    max_batch: int = Field(1000, validation_alias="RAPPORT_MAX_BATCH")
    max_body_bytes: int = Field(10 * 1024 * 1024, validation_alias="RAPPORT_MAX_BODY_BYTES")
    upstream_timeout_seconds: float = Field(30.0, validation_alias="RAPPORT_UPSTREAM_TIMEOUT")
    # webhooks may point to loopback, private and link-local addresses (local development and tests only)
    webhook_allow_private: bool = Field(False, validation_alias="RAPPORT_WEBHOOK_ALLOW_PRIVATE")
    # e-mail digests (docs/integrations.md): no SMTP URL, no digests sent (subscriptions are kept)
    smtp_url: str = Field("", validation_alias="RAPPORT_SMTP_URL")
    smtp_from: str = Field("Rapport <rapport@localhost>", validation_alias="RAPPORT_SMTP_FROM")
    dashboard_url: str = Field("", validation_alias="RAPPORT_DASHBOARD_URL")  # default: this gateway
    digest_interval_seconds: float = Field(60.0, validation_alias="RAPPORT_DIGEST_INTERVAL_SECONDS")

    def public_url(self) -> str:
        return self.dashboard_url or f"http://127.0.0.1:{self.port}/"

    def upstream_urls(self) -> dict[str, str]:
        return {s: getattr(self, f"{s}_url") for s in SERVICES}
