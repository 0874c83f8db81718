"""The store under hostile or unlucky conditions, on both real databases: out-of-order
fetches, control characters from raw events, DLQ records it cannot store, a database that
turns read-only, secrets in the store URL."""

from __future__ import annotations

import logging
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from newswire.dlq import failure_headers
from newswire.errors import InvalidUrl, StoreUnavailable
from newswire.events import Failure
from newswire.settings import KafkaSettings, Settings
from services.store.app import pipeline_readiness, record_dlq_record
from services.store.db import Store, open_store
from tests.conftest import free_port
from tests.store.fixtures import (  # noqa: F401 - store is the fixture
    PG_ADMIN,
    article,
    drop_pg_database,
    fresh_pg_database,
    quote,
    store,
)

URL = "https://one.com/story"
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_an_older_fetch_never_overwrites_a_newer_one(store: Store) -> None:
    newer = article(URL, "The corrected story.", [quote("We fixed it", "Ann Lee")],
                    title="Corrected", fetched_at=T0 + timedelta(minutes=5))
    older = article(URL, "The first draft.", [], title="Draft", fetched_at=T0)
    assert store.upsert_article(newer) is True
    assert store.upsert_article(older) is False  # arrived late: nothing replaced
    assert store.upsert_article(older) is False  # and its replay neither
    got = store.article(newer.article_id)
    assert got is not None
    assert (got["title"], got["text"], got["version"]) == ("Corrected", newer.text, 1)
    assert [c["text"] for c in got["claims"]] == ["We fixed it"]
    assert store.search(["draft"], None, 10) == []
    # a later fetch still replaces it; the same instant in another zone is not "older"
    later = article(URL, "Third take.", title="Third",
                    fetched_at=(T0 + timedelta(minutes=5)).astimezone(
                        datetime.now().astimezone().tzinfo))
    assert store.upsert_article(later) is True
    assert store.article(newer.article_id)["title"] == "Third"  # type: ignore[index]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_writers_keep_the_newest_fetch(backend: str, tmp_path: Path) -> None:
    name = fresh_pg_database() if backend == "postgresql" else ""
    url = f"postgresql://postgres@127.0.0.1:5432/{name}" if name \
        else f"sqlite:///{tmp_path / 's.db'}"
    writers = [open_store(url), Store(url)]  # two store processes' worth of connections
    fetches = [article(URL, f"Take {i}.", fetched_at=T0 + timedelta(seconds=i))
               for i in range(24)]
    random.Random(7).shuffle(fetches)
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda w: [w[1].upsert_article(a) for a in fetches[w[0]::2]],
                          enumerate(writers)))
        got = writers[0].article(fetches[0].article_id)
        assert got is not None and got["text"] == "Take 23."
    finally:
        for w in writers:
            w.close()
        if name:
            drop_pg_database(name)


def test_nul_from_a_raw_event_is_stored_safely(store: Store) -> None:
    raw = article(URL, "Body with a \x00 NUL and \x1b escape.",
                  [quote("A quote \x00 here", "Ann\x00 Lee")], title="Ti\x00tle")
    raw = raw.model_copy(update={"submitted_url": "https://one.com/story\x00x",
                                 "final_url": "https://one.com/st\x00ory",
                                 "metadata": {"k\x00": "v\x00"}})
    assert store.upsert_article(raw) is True
    got = store.article(raw.article_id)
    assert got is not None and "\x00" not in got["text"] and "\x00" not in got["title"]
    assert got["text"] == "Body with a \ufffd NUL and \x1b escape."
    assert "\x00" not in got["claims"][0]["text"]


def test_a_control_character_in_the_article_url_is_an_invalid_url_failure(store: Store) -> None:
    bad = article("https://one.com/a\x00b", "Body.")
    with pytest.raises(InvalidUrl):
        store.upsert_article(bad)
    assert store.stats()["articles"] == 0


def test_a_failure_carrying_nul_is_recorded(store: Store) -> None:
    store.record_failure(Failure(
        submitted_url="http://x.com/\x00a", url="http://x.com/\x00a", stage="ingest",
        reason="invalid_url", detail="URL contains a control character ('\\x00') \x00",
        topic="news.url.submitted", partition=0, offset=1))
    rows = store.failures()
    assert len(rows) == 1 and rows[0]["reason"] == "invalid_url"
    assert "\x00" not in rows[0]["url"] and "\x00" not in rows[0]["detail"]


def test_a_dlq_record_with_hostile_headers_is_recorded_not_dead_lettered(store: Store) -> None:
    failure = Failure(submitted_url="http://x.com/\x00", url="http://x.com/\x00", stage="ingest",
                      reason="invalid_url", detail="bad \x00", topic="news.url.submitted",
                      partition=0, offset=3)
    headers = failure_headers(failure, ValueError("x"))
    headers["__connect.errors.partition"] = str(2**40).encode()  # no INTEGER holds it
    headers["__connect.errors.offset"] = str(2**70).encode()
    record_dlq_record(store, "news.url.submitted.dlq", 2, 9, headers)
    rows = store.failures()
    assert [r["reason"] for r in rows] == ["invalid_url"]


class _Refusing(Store):
    """A store whose first failure writes are refused (what a bug or a corrupt row does)."""

    def __init__(self, url: str, refusals: int) -> None:
        super().__init__(url)
        self.refusals = refusals

    def record_failure(self, failure: Failure) -> None:
        if self.refusals > 0:
            self.refusals -= 1
            raise ValueError("refused")
        super().record_failure(failure)


def test_a_dlq_record_the_store_cannot_write_leaves_a_minimal_row(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    refusing = _Refusing(url, refusals=1)
    record_dlq_record(refusing, "news.page.fetched.dlq", 1, 7, {})  # no exception escapes
    rows = refusing.failures()
    assert len(rows) == 1 and rows[0]["reason"] == "unrecordable_dlq_record"
    assert rows[0]["key"] == "news.page.fetched.dlq:1:7"
    hopeless = _Refusing(url, refusals=2)
    with caplog.at_level(logging.ERROR):
        record_dlq_record(hopeless, "news.page.fetched.dlq", 1, 8, {})  # logged and acked
    assert "news.page.fetched.dlq" in caplog.text and "not recorded" in caplog.text
    refusing.close()
    hopeless.close()


def test_a_database_outage_while_recording_a_dlq_record_is_retried(tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 's.db'}")
    s._conn.execute("PRAGMA query_only = ON")  # noqa: SLF001 - the database turns read-only
    with pytest.raises(StoreUnavailable):
        record_dlq_record(s, "news.page.fetched.dlq", 0, 1, {})
    s.close()


def test_sqlite_read_only_is_an_outage_not_a_failure(tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 's.db'}")
    s._conn.execute("PRAGMA query_only = ON")  # noqa: SLF001 - the database turns read-only
    with pytest.raises(StoreUnavailable) as info:
        s.upsert_article(article(URL, "Body."))
    assert "readonly" in info.value.detail
    s.upsert_article(article(URL, "Body."))  # reconnected: writable again
    assert s.stats()["articles"] == 1
    s.close()


def test_postgres_read_only_after_failover_is_an_outage() -> None:
    name = fresh_pg_database()
    s = open_store(f"postgresql://postgres@127.0.0.1:5432/{name}")
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        s.close()  # the next session is a read-only one, as on a demoted primary
        with pytest.raises(StoreUnavailable) as info:
            s.upsert_article(article(URL, "Body."))
        assert "25006" in info.value.detail
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        assert s.upsert_article(article(URL, "Body.")) is True  # retried: it goes through
    finally:
        s.close()
        drop_pg_database(name)


def test_a_malformed_store_url_never_shows_its_password() -> None:
    s = Store("postgresql://newswire:pa ss-w0rd@[::1/newswire")
    with pytest.raises(StoreUnavailable) as info:
        s.stats()
    assert "pa ss-w0rd" not in str(info.value) and "pa ss-w0rd" not in repr(s)


def test_the_store_url_is_a_secret_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_STORE__URL", "postgresql://u:hunter2@db/newswire")
    settings = Settings()
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.store_url)
    assert settings.store_url.get_secret_value() == "postgresql://u:hunter2@db/newswire"
    assert "hunter2" not in repr(Store(settings.store_url))


async def test_readyz_names_no_broker_address() -> None:
    port = free_port()  # nothing listens there
    settings = Settings(kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{port}"))

    async def own_ready() -> tuple[bool, dict[str, object]]:
        return True, {}

    ok, detail = await pipeline_readiness(settings, own_ready)()
    assert (ok, detail) == (False, {"broker": "unreachable"})
