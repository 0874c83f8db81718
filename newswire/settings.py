"""All configuration, read once from the environment at the entry point and passed down.

Every field maps to an environment variable with the ``NEWSWIRE_`` prefix and ``__`` between
levels, e.g. ``NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS`` or ``NEWSWIRE_INGEST__PER_DOMAIN_RPS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from newswire.cpus import usable_cpus

__all__ = ["DEFAULT_ALLOWED_PORTS", "ApiSettings", "ExtractSettings", "IngestSettings",
           "KafkaSettings", "Settings", "StoreSettings"]


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
    # The largest record a producer sends and a topic accepts (max.message.bytes of every
    # topic created): a PageFetched of a page at the ingest cap (10 MB, compressed) fits.
    max_message_bytes: int = 16 * 1024 * 1024
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    sasl_username: str | None = None
    sasl_password: SecretStr = SecretStr("")
    # TLS (SSL, SASL_SSL): CA bundle to verify the brokers (None = system CAs), and a client
    # certificate and key for mutual TLS.
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_key_password: SecretStr | None = None

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> KafkaSettings:
        if self.uses_sasl and not (self.sasl_username and self.sasl_password.get_secret_value()):
            raise ValueError(f"security_protocol {self.security_protocol} needs sasl_username "
                             "and sasl_password")
        return self

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

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


DEFAULT_ALLOWED_PORTS = (80, 443, 8080, 8443)


class IngestSettings(BaseModel):
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9101
    allow_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Ports the fetcher may connect to (addresses in allow_networks: any port); empty = any.
    allowed_ports: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_ALLOWED_PORTS))
    per_domain_rps: float = 1.0
    concurrency: int = 64
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    # Bytes of bodies held by all fetches in progress; a fetch waits while they are spent.
    max_inflight_bytes: int = 128 * 1024 * 1024
    # Name lookups: on their own threads, each caller waiting at most dns_timeout seconds.
    dns_timeout: float = 5.0
    dns_workers: int = 16
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

    _split = field_validator("allow_networks", "allowed_ports", "feeds",
                             mode="before")(_split_csv)


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
    # sqlite:///path or postgresql://user:password@host/db; None = SQLite under the data dir.
    # A secret (it may carry the password): read it with get_secret_value where it is used.
    url: SecretStr | None = None
    retry_seconds: float = 2.0
    # enriched articles written per transaction, and how long a batch waits to fill up
    batch_size: int = Field(default=100, ge=1, le=5000)
    batch_seconds: float = Field(default=0.2, ge=0.0, le=60.0)


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
    def store_url(self) -> SecretStr:
        return self.store.url or SecretStr(
            f"sqlite:///{(self.data_dir / 'newswire.db').resolve()}")

    def metrics_urls(self) -> dict[str, str]:
        """Where each service serves /metrics (used by `newswire status`)."""
        return {
            "ingest": f"http://{self.ingest.metrics_host}:{self.ingest.metrics_port}/metrics",
            "extract": f"http://{self.extract.metrics_host}:{self.extract.metrics_port}/metrics",
            "store": f"http://{self.store.metrics_host}:{self.store.metrics_port}/metrics",
        }
