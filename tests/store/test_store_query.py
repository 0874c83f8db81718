"""Search, claims by speaker, corroboration across outlets, syndicated copies and stories:
the store core on both SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from newswire.events import ArticleEnriched
from services.store.db import Store, open_store, utc_timestamp
from services.store.migrations import MIGRATIONS
from services.store.text import tokens
from tests.store.fixtures import (  # noqa: F401 - store is the fixture
    article,
    drop_pg_database,
    fresh_pg_database,
    quote,
    store,
)

BERG = ("We promised the bridge would be safe before it carried a single car again, "
        "and it is")
WIRE = (
    "The Old Harbour Bridge reopened to traffic on Monday, two years after engineers found "
    "corrosion in its main cables and closed it to all vehicles. The repair cost 48 million "
    "euros, about 9 million more than the city budgeted, according to figures published by "
    "the transport department. The department expects about 22,000 vehicles to cross the "
    "bridge each day once the works on the approach roads have been finished.")


def _outlet_a() -> ArticleEnriched:
    return article("https://gazette.com/news/bridge", WIRE + f' "{BERG}," said Berg.',
                   [quote(BERG, "Transport Commissioner Anna Berg"),
                    quote("Half of my regulars simply stopped coming", "Tomas Eriksson")],
                   title="Harbour bridge reopens after two-year repair")


def _outlet_b() -> ArticleEnriched:
    # Independent reporting: a different body, the same quote trimmed, credited by surname.
    body = ("Cars crossed the harbour again on Monday morning as the city celebrated the end "
            "of a repair that ran two years late and cost far more than planned. Berg, who "
            "cut the ribbon, was in a hurry to reassure drivers, saying: "
            f'"{BERG.split(", and")[0]}." Commuters cheered from the bypass.')
    return article("https://courier.example/city/bridge-open", body,
                   [quote(BERG.split(", and")[0], "Berg"),
                    quote("Traffic will be back to normal by the summer", "Berg")],
                   title="Cheers as the bridge is open to cars again")


def test_search_ranks_title_matches_first_and_returns_each_article_once(store: Store) -> None:
    store.upsert_article(_outlet_a())
    store.upsert_article(_outlet_b())
    store.upsert_article(article("https://other.example/weather", "Rain fell all week in the "
                                 "north and the rivers rose over their banks.",
                                 title="Rain and rivers"))
    hits = store.search(tokens("bridge"), None, 10)
    assert {h["url"] for h in hits} == {"https://gazette.com/news/bridge",
                                        "https://courier.example/city/bridge-open"}
    assert len(hits) == 2 and hits[0]["rank"] >= hits[1]["rank"]
    # the title match outranks a body-only match
    ranked = store.search(tokens("reopens"), None, 10)
    assert [h["url"] for h in ranked] == ["https://gazette.com/news/bridge"]
    # stemming: "rivers" finds "river"-words, "bridges" finds "bridge"
    assert {h["url"] for h in store.search(tokens("bridges"), None, 10)} == {
        h["url"] for h in hits}
    # a new version does not add a second hit, and the old words stop matching
    a = _outlet_a()
    store.upsert_article(article(a.url, a.text.replace("corrosion", "rust"), a.claims,
                                 title=a.title or ""))
    assert store.search(tokens("corrosion"), None, 10) == []
    assert [h["url"] for h in store.search(tokens("rust bridge"), None, 10)] == [a.url]
    assert len(store.search(tokens("bridge"), None, 10)) == 2


def test_search_keyset_pages_cover_every_hit_once(store: Store) -> None:
    for i in range(23):
        extra = " harbour" * (i % 5)
        store.upsert_article(article(f"https://site{i}.example/a", f"Harbour news {i}.{extra} "
                                     f"Words {'x' * (i % 7)} follow.", title=f"Item {i}"))
    seen: list[str] = []
    after = None
    while True:
        page = store.search(["harbour"], after, 5)
        seen += [h["id"] for h in page]
        if len(page) < 5:
            break
        after = (page[-1]["rank"], page[-1]["id"])
    assert len(seen) == 23 == len(set(seen))


def test_hostile_search_words_are_data(store: Store) -> None:
    store.upsert_article(_outlet_a())
    for q in ("'; DROP TABLE articles; --", 'bridge" OR 1=1 --', "NEAR(bridge car)",
              "bridge* AND NOT x", "\\x27 union select * from claims"):
        store.search(tokens(q), None, 10)
    assert store.stats()["articles"] == 1
    assert len(store.search(tokens('bridge" OR "x'), None, 10)) == 0  # every word must match
    assert len(store.search(tokens('"bridge"'), None, 10)) == 1


def test_claims_by_partial_speaker_with_resolved_names(store: Store) -> None:
    store.upsert_article(_outlet_a())
    store.upsert_article(_outlet_b())
    store.upsert_article(article("https://x.example/t", "Long body text here.",
                                 [quote("We will build the wall", "Donald J. Trump"),
                                  quote("Nobody expected it", "the national weather service")]))
    for name in ("Trump", "trump", "donald trump", "Donald J. Trump", "TRUMP"):
        found = store.find_claims(speaker=name)
        assert [c["speaker"] for c in found] == ["Donald J. Trump"], name
        assert found[0]["speaker_name"] == "Donald J. Trump"
    assert store.find_claims(speaker="Biden") == []
    assert store.find_claims(speaker="Trum") == []  # words, not prefixes
    berg = store.find_claims(speaker="Berg")
    assert len(berg) == 3
    # Outlet B only ever says "Berg"; its quote is the same statement as outlet A's by
    # "Transport Commissioner Anna Berg", so B's claims by "Berg" get that name too.
    assert {(c["site"], c["speaker"], c["speaker_mention"], c["speaker_name"]) for c in berg} == {
        ("gazette.com", "Transport Commissioner Anna Berg", "Transport Commissioner Anna Berg",
         "Anna Berg"),
        ("courier.example", "Transport Commissioner Anna Berg", "Berg", "Anna Berg")}
    assert store.find_claims(speaker="anna berg") == berg
    assert store.find_claims(speaker="Eriksson")[0]["speaker"] == "Tomas Eriksson"
    assert [c["text"] for c in store.find_claims(speaker="berg", q="normal summer")] == [
        "Traffic will be back to normal by the summer"]
    assert store.find_claims(speaker="national weather service")[0]["speaker_name"] == \
        "the national weather service"


def test_same_article_resolves_short_mentions(store: Store) -> None:
    store.upsert_article(article("https://y.example/1", "Body.", [
        quote("First thing", "Berg"), quote("Second thing", "Transport Commissioner Anna Berg")]))
    claims = store.find_claims(speaker="berg")
    assert {c["speaker"] for c in claims} == {"Transport Commissioner Anna Berg"}
    assert {c["speaker_mention"] for c in claims} == {"Berg", "Transport Commissioner Anna Berg"}


def test_claims_since_kind_and_keyset_pages(store: Store) -> None:
    for day in range(1, 8):
        store.upsert_article(article(
            f"https://d{day}.example/x", f"Day {day} body.",
            [quote(f"Statement number {day} {k}", "Karin Dahl") for k in range(3)]
            + [{"kind": "statement", "text": f"Fact {day}.", "start": 0, "end": 5,
                "direct": False, "speaker": None, "checkworthiness": 0.9}],
            fetched_at=datetime(2026, 5, day, 9, 30, tzinfo=UTC)))
    since = utc_timestamp(datetime(2026, 5, 5, tzinfo=UTC))
    recent = store.find_claims(speaker="dahl", since=since)
    assert len(recent) == 9 and all(c["seen_at"] >= since for c in recent)
    assert [c["kind"] for c in store.find_claims(kind="statement")] == ["statement"] * 7
    pages, after = [], None
    while True:
        page = store.find_claims(speaker="Dahl", after=after, limit=4)
        pages.append(page)
        if len(page) < 4:
            break
        last = page[-1]
        after = (last["seen_at"], last["article_id"], last["index"])
    flat = [(c["seen_at"], c["article_id"], c["index"]) for p in pages for c in p]
    assert len(flat) == 21 == len(set(flat))
    assert [f[0] for f in flat] == sorted((f[0] for f in flat), reverse=True)  # newest first


def test_the_same_quote_on_two_outlets_is_corroborated_both_ways(store: Store) -> None:
    a, b = _outlet_a(), _outlet_b()
    store.upsert_article(a)
    store.upsert_article(b)
    a_claims = store.article_claims(a.article_id, None, 100)  # type: ignore[attr-defined]
    b_claims = store.article_claims(b.article_id, None, 100)  # type: ignore[attr-defined]
    assert a_claims[0]["corroborated_by"] == [{
        "article_id": b.article_id, "url": b.url, "claim_index": 0,  # type: ignore[attr-defined]
        "site": "courier.example", "similarity": pytest.approx(0.8, abs=0.2), "match": "quote"}]
    assert b_claims[0]["corroborated_by"][0]["article_id"] == a.article_id  # type: ignore[attr-defined]
    # other quotes by other speakers, or other words by the same speaker, are not linked
    assert a_claims[1]["corroborated_by"] == [] and b_claims[1]["corroborated_by"] == []
    # replaying both changes nothing
    assert store.upsert_article(a) is False and store.upsert_article(b) is False
    assert store.article_claims(a.article_id, None, 100) == a_claims  # type: ignore[attr-defined]


def test_same_words_by_another_speaker_or_same_site_are_not_corroboration(store: Store) -> None:
    a = _outlet_a()
    store.upsert_article(a)
    store.upsert_article(article("https://courier.example/x", "Other body entirely.",
                                 [quote(BERG, "Tomas Eriksson")]))
    store.upsert_article(article("https://www.gazette.com/other", "A follow-up.",
                                 [quote(BERG, "Anna Berg")]))  # same registrable domain
    assert store.article_claims(a.article_id, None, 100)[0]["corroborated_by"] == []  # type: ignore[attr-defined]


def test_a_new_version_relinks_from_scratch(store: Store) -> None:
    a, b = _outlet_a(), _outlet_b()
    store.upsert_article(a)
    store.upsert_article(b)
    store.upsert_article(article(b.url, b.text + " Update: Berg declined to comment.", [  # type: ignore[attr-defined]
        quote("Something else entirely now", "Berg")]))
    assert store.article_claims(a.article_id, None, 100)[0]["corroborated_by"] == []  # type: ignore[attr-defined]


def test_syndicated_copy_is_a_duplicate_not_corroboration(store: Store) -> None:
    a = _outlet_a()
    store.upsert_article(a)
    copy = article("https://wire-reprint.example/story/123", a.text, a.claims,  # type: ignore[attr-defined]
                   title="Bridge reopens (AP)")
    store.upsert_article(copy)
    stored = store.article(copy.article_id)
    assert stored is not None
    assert stored["duplicate_of"] == a.article_id  # type: ignore[attr-defined]
    assert stored["duplicate_similarity"] >= 0.8
    assert [d["id"] for d in store.article(a.article_id)["duplicates"]] == [copy.article_id]  # type: ignore[attr-defined,index]
    assert all(c["corroborated_by"] == [] for c in stored["claims"])
    assert store.article_claims(a.article_id, None, 100)[0]["corroborated_by"] == []  # type: ignore[attr-defined]
    # independent reporting still corroborates the original, not the copy
    b = _outlet_b()
    store.upsert_article(b)
    linked = store.article_claims(b.article_id, None, 100)[0]["corroborated_by"]  # type: ignore[attr-defined]
    assert [link["article_id"] for link in linked] == [a.article_id]  # type: ignore[attr-defined]
    # a slightly edited copy (a changed sentence) is still recognised
    edited = article("https://third.example/s", a.text.replace("Monday", "Tuesday"), [])  # type: ignore[attr-defined]
    store.upsert_article(edited)
    assert store.article(edited.article_id)["duplicate_of"] == a.article_id  # type: ignore[attr-defined,index]


def test_stories_group_articles_across_outlets(store: Store) -> None:
    a, b = _outlet_a(), _outlet_b()
    store.upsert_article(a)
    lonely = article("https://other.example/weather", "Rain fell all week.", title="Rain")
    store.upsert_article(lonely)
    assert store.stories(2, None, 10) == []
    store.upsert_article(b)
    copy = article("https://wire-reprint.example/story/9", a.text, [], title="Copy")  # type: ignore[attr-defined]
    store.upsert_article(copy)
    stories = store.stories(2, None, 10)
    assert len(stories) == 1
    story = store.story(stories[0]["id"])
    assert story is not None
    assert story["site_count"] == 3 and story["article_count"] == 3
    assert story["title"] == a.title  # type: ignore[attr-defined]
    assert {x["id"] for x in story["articles"]} == {a.article_id, b.article_id,  # type: ignore[attr-defined]
                                                   copy.article_id}
    assert {(c["article_id"], c["index"]) for c in story["corroborated_claims"]} == {
        (a.article_id, 0), (b.article_id, 0)}  # type: ignore[attr-defined]
    assert [s["id"] for s in store.stories(1, None, 10)].count(stories[0]["id"]) == 1
    assert len(store.stories(1, None, 10)) == 2
    assert store.story("nope") is None


def test_stories_merge_when_an_article_links_two(store: Store) -> None:
    quote_x = "The tunnel will open in spring next year as planned"
    quote_y = "Nobody will pay a toll to use the new tunnel"
    one = article("https://one.example/a", "First outlet body.", [quote(quote_x, "Ida Holm")])
    two = article("https://two.example/b", "Second outlet body.", [quote(quote_y, "Ida Holm")])
    store.upsert_article(one)
    store.upsert_article(two)
    assert store.article(one.article_id)["story_id"] != store.article(two.article_id)["story_id"]  # type: ignore[index]
    three = article("https://three.example/c", "Third outlet body.",
                    [quote(quote_x, "Holm"), quote(quote_y, "Holm")])
    store.upsert_article(three)
    ids = {store.article(x.article_id)["story_id"] for x in (one, two, three)}  # type: ignore[index]
    assert len(ids) == 1
    (story,) = store.stories(3, None, 10)
    assert story["article_count"] == 3 and story["id"] in ids


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_2_backfills_articles_stored_before_it(backend: str, tmp_path: object) -> None:
    """A version-1 database with two articles gets search, speakers and links on upgrade."""
    name = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/old.db"  # noqa: S108
    else:
        name = fresh_pg_database()
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        old = Store(url)
        saved = MIGRATIONS[1:]
        del MIGRATIONS[1:]
        try:
            old.migrate()
            assert old.schema_version() == 1
            for art in (_outlet_a(), _outlet_b()):
                _insert_v1(old, art)
        finally:
            MIGRATIONS.extend(saved)
            old.close()
        new = open_store(url)
        try:
            assert new.schema_version() == MIGRATIONS[-1][0]
            a = _outlet_a()
            assert [h["id"] for h in new.search(["reopens"], None, 5)] == [a.article_id]  # type: ignore[attr-defined]
            claims = new.article_claims(a.article_id, None, 10)  # type: ignore[attr-defined]
            assert claims[0]["speaker_name"] == "Anna Berg"
            assert len(claims[0]["corroborated_by"]) == 1
            assert new.stories(2, None, 5)[0]["article_count"] == 2
            # migration 3 backfilled the fetch order: an older fetch replaces nothing
            stale = a.model_copy(update={"text": "Stale.", "content_hash": "stale",
                                         "fetched_at": a.fetched_at - timedelta(days=1)})
            assert new.upsert_article(stale) is False  # type: ignore[attr-defined]
        finally:
            new.close()
    finally:
        if name:
            drop_pg_database(name)


def _insert_v1(store: Store, art: object) -> None:
    """Write an article the way version 1 of the store did (no derived columns)."""
    a = art  # an ArticleEnriched
    with store._cursor(transaction=True) as cur:  # noqa: SLF001 - a version-1 writer
        cur.execute(store._sql(  # noqa: SLF001
            "INSERT INTO articles (id, url, canonical_url, final_url, submitted_url, title, "
            "text, author, published, language, site, fetched_at, content_hash, version, "
            "metadata, claims_partial, stored_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, ?, 1, '{}', 0, ?)"),
            (a.article_id, a.url, a.url, a.url, a.url, a.title, a.text,  # type: ignore[attr-defined]
             a.fetched_at.isoformat(), a.content_hash, a.fetched_at.isoformat()))  # type: ignore[attr-defined]
        for i, c in enumerate(a.claims):  # type: ignore[attr-defined]
            cur.execute(store._sql(  # noqa: SLF001
                "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                (a.article_id, i, c["kind"], c["text"], c["start"], c["end"], 1,  # type: ignore[attr-defined]
                 c["speaker"], None, None, c["cue"], c["checkworthiness"], None))


def test_outage_becomes_store_unavailable_and_recovers() -> None:
    """A database that goes away mid-life raises StoreUnavailable (retried by the stage),
    and the same Store reconnects once it is back (here: the database is dropped and made
    again under the same name, which terminates the connection like a restart does)."""
    from newswire.errors import StoreUnavailable
    from tests.store.fixtures import PG_ADMIN

    name = fresh_pg_database()
    s = open_store(f"postgresql://postgres@127.0.0.1:5432/{name}")
    try:
        s.upsert_article(_outlet_a())
        drop_pg_database(name)
        with pytest.raises(StoreUnavailable):
            s.stats()
        with pytest.raises(StoreUnavailable):
            s.upsert_article(_outlet_b())
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        assert s.upsert_article(_outlet_b()) is True  # reconnects and migrates the new db
        assert s.stats()["articles"] == 1
    finally:
        s.close()
        drop_pg_database(name)
