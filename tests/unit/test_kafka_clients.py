"""Every Kafka client newswire builds carries the configured TLS context, SASL mechanism and
credentials, and idempotent acks=all producers on a real cluster; secrets stay out of reprs
and logs. (The embedded Tansu broker cannot serve TLS or SASL here: its `--cert` and `--key`
options exclude each other, and with `--authentication` no SCRAM user can be created on its
memory storage. So this is checked on the clients as they are built, not started.)"""

from __future__ import annotations

import logging
import re
import ssl
import subprocess
from pathlib import Path
from typing import Any

import faust
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

import newswire.kafka
from newswire.faustapp import broker_credentials, create_faust_app
from newswire.kafka import client_options, ensure_topics, make_producer, wait_for_broker
from newswire.settings import KafkaSettings, Settings
from newswire.status import _lag
from newswire.submit import submit_urls
from newswire.tail import tail
from newswire.topics import Topics
from tests.conftest import UNSTARTED_FAUST_APPS

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-Zq81-never-printed"
KEY_PASSWORD = "key-Xw42-never-printed"
pytestmark = UNSTARTED_FAUST_APPS


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A self-signed CA and a client certificate whose key is encrypted."""
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=test-ca", "-keyout", d / "ca.key", "-out", d / "ca.pem"],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-days", "1",
                    "-subj", "/CN=newswire", "-passout", f"pass:{KEY_PASSWORD}",
                    "-keyout", d / "client.key", "-out", d / "client.pem"],
                   check=True, capture_output=True)
    return {"ca": d / "ca.pem", "cert": d / "client.pem", "key": d / "client.key"}


def _env(tls: dict[str, Path], protocol: str, mechanism: str) -> dict[str, str]:
    return {
        "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS": "127.0.0.1:1",
        "NEWSWIRE_KAFKA__SECURITY_PROTOCOL": protocol,
        "NEWSWIRE_KAFKA__SASL_MECHANISM": mechanism,
        "NEWSWIRE_KAFKA__SASL_USERNAME": "newswire",
        "NEWSWIRE_KAFKA__SASL_PASSWORD": PASSWORD,
        "NEWSWIRE_KAFKA__SSL_CAFILE": str(tls["ca"]),
        "NEWSWIRE_KAFKA__SSL_CERTFILE": str(tls["cert"]),
        "NEWSWIRE_KAFKA__SSL_KEYFILE": str(tls["key"]),
        "NEWSWIRE_KAFKA__SSL_KEY_PASSWORD": KEY_PASSWORD,
    }


@pytest.fixture(params=[("SASL_SSL", "SCRAM-SHA-512"), ("SASL_SSL", "SCRAM-SHA-256"),
                        ("SASL_PLAINTEXT", "PLAIN"), ("SSL", "PLAIN")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def secured(request: pytest.FixtureRequest, tls_files: dict[str, Path],
            monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """Settings read from the environment, as every entry point reads them."""
    protocol, mechanism = request.param
    for key, value in _env(tls_files, protocol, mechanism).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NEWSWIRE_DATA_DIR", str(tmp_path))
    return Settings()


def _check_aiokafka_client(client: Any, kafka: KafkaSettings) -> None:
    """The connection settings an aiokafka client (its AIOKafkaClient) will use."""
    assert client._security_protocol == kafka.security_protocol
    if kafka.uses_tls:
        assert isinstance(client._ssl_context, ssl.SSLContext)
        assert client._ssl_context.verify_mode == ssl.CERT_REQUIRED
        assert client._ssl_context.check_hostname
    else:
        assert client._ssl_context is None
    if kafka.uses_sasl:
        assert client._sasl_mechanism == kafka.sasl_mechanism
        assert client._sasl_plain_username == "newswire"
        assert client._sasl_plain_password == PASSWORD


class _Refused(Exception):
    """Raised by the recording clients' start(): nothing is ever connected."""


def _recording(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Replace the aiokafka client classes newswire builds with subclasses that record the
    built client and refuse to start."""
    built: list[tuple[str, Any]] = []

    def recorder(base: type) -> type:
        class Recording(base):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                built.append((base.__name__, self))

            async def start(self) -> None:
                self._closed = True  # never started: nothing to close (silences __del__)
                raise _Refused

            async def stop(self) -> None:
                pass

            async def close(self) -> None:
                pass

        return Recording

    for base in (AIOKafkaConsumer, AIOKafkaProducer, AIOKafkaAdminClient):
        monkeypatch.setattr(newswire.kafka, base.__name__, recorder(base))
    monkeypatch.setattr("aiokafka.admin.AIOKafkaAdminClient", recorder(AIOKafkaAdminClient))
    return built


def _client_of(client: Any) -> Any:
    """The AIOKafkaClient inside a producer, consumer or admin client."""
    return client.client if isinstance(client, AIOKafkaProducer) else client._client


async def test_every_cli_entry_point_builds_its_clients_with_tls_and_sasl(
        secured: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    built = _recording(monkeypatch)
    from services.ingest.app import _compact

    entry_points = {
        "submit": lambda: submit_urls(secured, ["https://example.com/a"]),
        "tail": lambda: tail(secured, "news.article.enriched"),
        "status": lambda: _lag(secured, Topics()),
        "topics_init": lambda: ensure_topics(secured.kafka, Topics()),
        "wait_for_broker": lambda: wait_for_broker(secured.kafka, timeout=0.2),
    }
    for name, call in entry_points.items():
        before = len(built)
        with pytest.raises((_Refused, TimeoutError)):
            await call()
        assert len(built) > before, f"{name} built no Kafka client"
    await _compact(secured, "news.url.seen")  # best effort: logs the refusal
    kinds = {kind for kind, _ in built}
    assert kinds == {"AIOKafkaConsumer", "AIOKafkaProducer", "AIOKafkaAdminClient"}
    for _kind, client in built:
        _check_aiokafka_client(_client_of(client), secured.kafka)


async def test_faust_services_consume_and_produce_with_tls_and_sasl(secured: Settings) -> None:
    kafka = secured.kafka
    app = create_faust_app("extract", secured, CollectorRegistry())
    auth = credentials_to_aiokafka_auth(app.conf.broker_credentials, app.conf.ssl_context)
    assert auth["security_protocol"] == kafka.security_protocol
    if kafka.uses_sasl:
        assert auth["sasl_mechanism"] == kafka.sasl_mechanism
        assert auth["sasl_plain_username"] == "newswire"
        assert auth["sasl_plain_password"] == PASSWORD
    assert isinstance(auth["ssl_context"], ssl.SSLContext) is kafka.uses_tls
    # the clients Faust itself builds: the worker's consumer and the producer
    consumer = app.consumer._thread._create_worker_consumer(app.transport)
    _check_aiokafka_client(consumer._client, kafka)
    producer = app.producer._new_producer()
    _check_aiokafka_client(producer.client, kafka)


def _producer_options(app: faust.App) -> dict[str, Any]:
    p = app.producer
    return {**p._settings_default(), **p._settings_auth(), **p._settings_extra()}


@pytest.mark.parametrize("service", ["ingest", "extract", "store"])
async def test_producers_are_idempotent_with_acks_all_on_a_real_cluster(
        service: str, tmp_path: Path) -> None:
    real = Settings(data_dir=tmp_path, kafka=KafkaSettings(bootstrap_servers="kafka:9092"))
    app = create_faust_app(service, real, CollectorRegistry())
    options = _producer_options(app)
    assert options["enable_idempotence"] is True
    assert options["acks"] in ("all", -1)
    for producer in (app.producer._new_producer(),  # what the service's Faust app starts
                     make_producer(real.kafka)):  # newswire submit
        assert producer._txn_manager is not None  # what enable_idempotence builds
        assert producer._sender._acks == -1  # acks=all


@pytest.mark.parametrize("kafka", [KafkaSettings(),  # the embedded Tansu rejects InitProducerId
                                   KafkaSettings(bootstrap_servers="k:9092", idempotence=False)])
async def test_idempotence_is_off_for_the_embedded_broker_or_when_disabled(
        kafka: KafkaSettings, tmp_path: Path) -> None:
    app = create_faust_app("ingest", Settings(data_dir=tmp_path, kafka=kafka),
                           CollectorRegistry())
    assert not _producer_options(app).get("enable_idempotence", False)
    assert make_producer(kafka)._txn_manager is None


def test_secrets_stay_out_of_reprs(secured: Settings) -> None:
    texts = [repr(secured), str(secured), repr(secured.kafka), str(secured.model_dump()),
             repr(broker_credentials(secured.kafka))]
    for text in texts:
        assert PASSWORD not in text and KEY_PASSWORD not in text


async def test_secrets_stay_out_of_logs(secured: Settings,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TimeoutError) as failed:
        await wait_for_broker(secured.kafka, timeout=1.0)
    assert caplog.records  # aiokafka and newswire did log the attempts
    for text in [*(r.getMessage() for r in caplog.records), str(failed.value)]:
        assert PASSWORD not in text and KEY_PASSWORD not in text


def test_security_settings_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="sasl_username and sasl_password"):
        KafkaSettings(security_protocol="SASL_SSL", sasl_username="u")
    with pytest.raises(ValidationError):
        # an unsupported mechanism, refused at run time (what the test is about)
        KafkaSettings(security_protocol="SASL_SSL", sasl_mechanism="GSSAPI",  # type: ignore[arg-type]
                      sasl_username="u", sasl_password="p")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        KafkaSettings(security_protocol="TLS")  # type: ignore[arg-type]
    assert client_options(KafkaSettings()) == {
        "bootstrap_servers": "127.0.0.1:19092", "security_protocol": "PLAINTEXT",
        "ssl_context": None}


def test_no_kafka_client_is_built_without_the_shared_options() -> None:
    """Every aiokafka client and Faust app in the package goes through client_options or
    create_faust_app (the bench starts its own embedded broker and is left out)."""
    pattern = re.compile(r"(AIOKafka(?:Producer|Consumer|AdminClient)|faust\.App)\(([^)]*)")
    offenders = []
    for path in [*(ROOT / "newswire").rglob("*.py"), *(ROOT / "services").rglob("*.py")]:
        if "bench" in path.parts:
            continue
        for match in pattern.finditer(path.read_text()):
            allowed = ("**client_options(" in match.group(2)
                       or path.name in ("faustapp.py",))
            if not allowed:
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)[:60]}")
    assert not offenders
