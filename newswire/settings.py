"""All configuration, read once from the environment at the entry point and passed down.

Every field maps to an environment variable with the ``NEWSWIRE_`` prefix and ``__`` between
levels, e.g. ``NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS`` or ``NEWSWIRE_INGEST__PER_DOMAIN_RPS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from newswire.cpus import usable_cpus

__all__ = ["ApiSettings", "ExtractSettings", "IngestSettings", "KafkaSettings", "Settings",
           "StoreSettings"]


def _split_csv(value: Any) -> Any:
    """Accept ``a,b`` as well as a JSON list for list-valued environment variables."""
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("["):
            import orjson

            return orjson.loads(value)
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class KafkaSettings(BaseModel):
    # None means: use the embedded broker that `newswire up` / `newswire broker` starts.
    bootstrap_servers: str | None = None
    embedded_host: str = "127.0.0.1"
    embedded_port: int = 19092
    partitions: int = 4
    replication_factor: int = 1
    # Prefix for every topic and consumer group: lets several pipelines share one cluster
    # (and lets tests run isolated from each other on one broker).
    namespace: str = ""
    # Idempotent producers need InitProducerId, which the embedded Tansu broker rejects;
    # None = on for a real cluster, off for the embedded broker.
    idempotence: bool | None = None
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None

    @property
    def embedded(self) -> bool:
        return not self.bootstrap_servers

    @property
    def servers(self) -> str:
        return self.bootstrap_servers or f"{self.embedded_host}:{self.embedded_port}"

    @property
    def use_idempotence(self) -> bool:
        return (not self.embedded) if self.idempotence is None else self.idempotence


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8080


class IngestSettings(BaseModel):
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9101
    allow_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)
    per_domain_rps: float = 1.0
    concurrency: int = 64
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2
    user_agent: str = "newswire/0.1 (+https://github.com/newswire/newswire)"
    # Fetches in flight per worker across all domains, and at most this many per domain.
    max_in_flight: int = 256
    per_domain_concurrency: int = 4
    # URLs accepted from the topic but not finished yet (back-pressure on the consumer).
    max_pending: int = 5000
    # robots.txt: honoured unless false; cached per host; Crawl-delay capped.
    robots: bool = True
    robots_ttl: float = 3600.0
    robots_error_ttl: float = 300.0
    max_crawl_delay: float = 30.0
    # Retries go through the retry topic: delay = base * 2**attempt (Retry-After wins).
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 600.0
    # Dedup: an in-flight claim older than this is considered abandoned.
    inflight_ttl: float = 900.0
    # Dedup memory per worker (only the partitions it owns): a URL's state is forgotten after
    # this long, and past this many URLs (~720 bytes each) the oldest go first. A forgotten
    # URL is simply fetched again if submitted again.
    seen_ttl_seconds: float = 7 * 86400.0
    seen_max_entries: int = 250_000
    # Feeds and sitemaps polled by the ingest service (URLs, or a file with one per line).
    feeds: Annotated[list[str], NoDecode] = Field(default_factory=list)
    feeds_file: Path | None = None
    poll_interval: float = 300.0

    _split = field_validator("allow_networks", "feeds", mode="before")(_split_csv)


class ExtractSettings(BaseModel):
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9102
    # Parser processes; 0 = one per CPU this container may use (cgroup quota, affinity).
    workers: int = 0
    budget_seconds: float = 20.0
    claims_budget_seconds: float = 10.0
    worker_memory_mb: int = 1024
    concurrency: int = 8
    claims_enabled: bool = True

    @property
    def worker_count(self) -> int:
        return self.workers or usable_cpus()


class StoreSettings(BaseModel):
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9103
    # sqlite:///path or postgresql://user@host/db; None = SQLite under the data dir.
    url: str | None = None
    retry_seconds: float = 2.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_", env_nested_delimiter="__", extra="ignore"
    )

    data_dir: Path = Path("./.newswire")
    log_level: str = "info"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    extract: ExtractSettings = Field(default_factory=ExtractSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)

    @property
    def store_url(self) -> str:
        return self.store.url or f"sqlite:///{(self.data_dir / 'newswire.db').resolve()}"

    def metrics_urls(self) -> dict[str, str]:
        """Where each service serves /metrics (used by `newswire status`)."""
        return {
            "ingest": f"http://{self.ingest.metrics_host}:{self.ingest.metrics_port}/metrics",
            "extract": f"http://{self.extract.metrics_host}:{self.extract.metrics_port}/metrics",
            "store": f"http://{self.store.metrics_host}:{self.store.metrics_port}/metrics",
        }
