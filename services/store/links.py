"""What the store derives from an article's content, in the write's own transaction: the
search row, the near-duplicate mark, corroboration links between outlets' quotes (and the
speaker names they share), and the article's story. See ``derive``."""

from __future__ import annotations

from typing import Any

from services.store.columns import now
from services.store.connection import Database
from services.store.text import (
    DUPLICATE_JACCARD,
    content_words,
    estimate_jaccard,
    padded,
    paraphrase_match,
    quote_shingles,
    quoted_shingles,
    quotes_match,
    sketch,
    speaker_name,
    tokens,
)

__all__ = ["MIN_DUPLICATE_SHINGLES", "STORY_JACCARD", "derive"]

STORY_JACCARD = 0.3
MIN_DUPLICATE_SHINGLES = 20



def derive(db: Database, cur: Any, article_id: str) -> None:
    """Everything computed from an article's stored content, recomputed from scratch.

    1. Search: PostgreSQL's generated ``tsv`` column updates itself; the SQLite FTS5 row
       (rowid = the article's rowid) is replaced.
    2. Near-duplicates (syndicated wire copy): the body's bottom-k sketch is compared with
       the articles that share sketch hashes; Jaccard >= DUPLICATE_JACCARD marks this
       article ``duplicate_of`` the earliest such article (its root). A duplicate takes no
       part in corroboration: copies of one text are not independent confirmation.
    3. Corroboration: each attributed quote's fingerprint is compared with the quotes of
       the same speaker key (surname) already stored; matches from articles on a
       different registrable domain (``newswire.urls.domain_key``) are linked in both
       directions in ``claim_links``.
    4. Stories: an article joins the story of every article it is linked to by
       corroboration, duplication or body similarity >= STORY_JACCARD; stories that it
       connects are merged (the smallest story id survives). Stories only grow online;
       a new version never splits one.
    """
    cur.execute(db.sql(
        "SELECT title, text, domain, story_id, rowid FROM articles WHERE id = ?"
        if db.dialect == "sqlite" else
        "SELECT title, text, domain, story_id, 0 FROM articles WHERE id = ?"), (article_id,))
    title, text, domain, story_id, rowid = cur.fetchone()
    for table, column in (("quote_shingles", "article_id"), ("claim_links", "article_id"),
                          ("claim_links", "other_article_id"),
                          ("article_sketch", "article_id")):
        cur.execute(db.sql(f"DELETE FROM {table} WHERE {column} = ?"), (article_id,))
    if db.dialect == "sqlite":
        cur.execute("DELETE FROM articles_fts WHERE rowid = ?", (rowid,))
        cur.execute("INSERT INTO articles_fts (rowid, article_id, title, body) "
                    "VALUES (?, ?, ?, ?)", (rowid, article_id, title or "", text))

    # 2. near-duplicates
    hashes = sketch(text)
    similar: dict[str, float] = {}
    duplicate_of, duplicate_sim = None, None
    if hashes:
        cur.execute(db.sql(
            f"SELECT article_id, COUNT(*) FROM article_sketch WHERE hash IN "
            f"({', '.join('?' * len(hashes))}) GROUP BY article_id "
            f"HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC LIMIT 50"), (*hashes, 4))
        candidates = [r[0] for r in cur.fetchall()]
        if candidates:
            marks = ", ".join("?" * len(candidates))
            cur.execute(db.sql(f"SELECT article_id, hash FROM article_sketch "
                                  f"WHERE article_id IN ({marks})"), candidates)
            their: dict[str, list[int]] = {}
            for other, h in cur.fetchall():
                their.setdefault(other, []).append(h)
            cur.execute(db.sql(f"SELECT id, duplicate_of, stored_at FROM articles "
                                  f"WHERE id IN ({marks}) ORDER BY stored_at, id"),
                        candidates)
            for other, other_dup, _ in cur.fetchall():
                sim = estimate_jaccard(hashes, sorted(their.get(other, [])))
                if sim >= STORY_JACCARD:
                    similar[other] = sim
                root = other_dup or other
                if (duplicate_of is None and sim >= DUPLICATE_JACCARD
                        and len(hashes) >= MIN_DUPLICATE_SHINGLES and root != article_id
                        and other_dup != article_id):
                    duplicate_of, duplicate_sim = root, round(sim, 4)
        cur.executemany(db.sql("INSERT INTO article_sketch VALUES (?, ?)"),
                        [(h, article_id) for h in hashes])
    cur.execute(db.sql(
        "UPDATE articles SET duplicate_of = ?, duplicate_similarity = ? WHERE id = ?"),
        (duplicate_of, duplicate_sim, article_id))

    # 3. corroboration
    linked: set[str] = set()
    if duplicate_of is None:
        linked = _corroborate(db, cur, article_id, domain)

    # 4. stories
    neighbours = linked | set(similar) | ({duplicate_of} if duplicate_of else set())
    _join_story(db, cur, article_id, story_id, neighbours)


def _corroborate(db: Database, cur: Any, article_id: str, domain: str | None) -> set[str]:
    """Link this article's attributed claims to the same speaker's claims on other outlets:
    the same or a trimmed statement (word 3-grams: ``quotes_match``), the same quoted
    words, whole or a fragment of them (3-grams of the quoted words only), else the same
    statement in other words (content words: ``paraphrase_match``). The fingerprints live
    in ``quote_shingles`` under the speaker key, each kind in its own hash namespace, so
    each lookup is an indexed probe whose cost does not grow with the archive, only with
    the speaker's matching statements."""
    cur.execute(db.sql(
        "SELECT idx, text, direct, speaker_key FROM claims WHERE article_id = ? "
        "AND speaker_key IS NOT NULL AND n_shingles > 0"), (article_id,))
    quotes = [(idx, key, (
        (quote_shingles(text), "n_shingles", quotes_match, "quote"),
        (quoted_shingles(text, bool(direct)), "n_quoted", quotes_match, "quote"),
        (content_words(text), "n_words", paraphrase_match, "paraphrase")))
        for idx, text, direct, key in cur.fetchall()]
    links: list[tuple[Any, ...]] = []
    for idx, key, kinds in quotes:
        found: dict[tuple[str, int], tuple[float, str]] = {}
        for prints, size_column, match, kind in kinds:
            if not prints:
                continue
            for other, other_idx, shared, other_size, other_domain in _probe(
                    db, cur, key, prints, size_column, article_id):
                if domain is not None and other_domain == domain:
                    continue  # one outlet repeating itself is not corroboration
                sim = match(int(shared), len(prints), int(other_size))
                if sim is not None and (other, other_idx) not in found:
                    found[(other, other_idx)] = (sim, kind)
        for (other, other_idx), (sim, kind) in found.items():
            links.append((article_id, idx, other, other_idx, sim, kind))
            links.append((other, other_idx, article_id, idx, sim, kind))
    if links:
        cur.executemany(db.sql(
            "INSERT INTO claim_links (article_id, idx, other_article_id, other_idx, "
            "similarity, match) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
            "(article_id, idx, other_article_id, other_idx) DO NOTHING"), links)
        _share_speaker_names(db, cur, links[::2])
    rows = [(key, h, article_id, idx) for idx, key, kinds in quotes
            for prints, *_ in kinds for h in prints]
    if rows:
        cur.executemany(db.sql(
            "INSERT INTO quote_shingles VALUES (?, ?, ?, ?) ON CONFLICT "
            "(speaker_key, shingle, article_id, idx) DO NOTHING"), rows)
    return {link[2] for link in links if link[0] == article_id}


def _probe(db: Database, cur: Any, key: str, prints: set[int], size_column: str,
           article_id: str) -> list[tuple[Any, ...]]:
    """Other articles' claims by this speaker key sharing fingerprint hashes: (article,
    claim index, hashes shared, that claim's fingerprint size, that article's domain)."""
    cur.execute(db.sql(
        f"SELECT q.article_id, q.idx, COUNT(*), c.{size_column}, a.domain "
        f"FROM quote_shingles q JOIN claims c ON c.article_id = q.article_id "
        f"AND c.idx = q.idx JOIN articles a ON a.id = q.article_id "
        f"WHERE q.speaker_key = ? AND q.shingle IN ({', '.join('?' * len(prints))}) "
        f"AND q.article_id <> ? GROUP BY q.article_id, q.idx, c.{size_column}, a.domain"),
        (key, *prints, article_id))
    return list(cur.fetchall())


def _share_speaker_names(db: Database, cur: Any, links: list[tuple[Any, ...]]) -> None:
    """Resolve a speaker across outlets: when one outlet only says "Holm" and the quote it
    carries is linked to "Mayor Ida Holm" elsewhere, both claims get the fuller name."""
    for article_id, idx, other, other_idx, *_ in links:
        pair = []
        for aid, i in ((article_id, idx), (other, other_idx)):
            cur.execute(db.sql("SELECT speaker_resolved FROM claims "
                                  "WHERE article_id = ? AND idx = ?"), (aid, i))
            row = cur.fetchone()
            pair.append((aid, i, row[0] if row else None))
        (a_id, a_idx, a_name), (b_id, b_idx, b_name) = pair
        if not a_name or not b_name:
            continue
        a_words, b_words = tokens(a_name), tokens(b_name)
        if len(a_words) > len(b_words):
            (a_id, a_idx, a_name, a_words), (b_id, b_idx, b_name, b_words) = \
                (b_id, b_idx, b_name, b_words), (a_id, a_idx, a_name, a_words)
        if len(a_words) < len(b_words) and b_words[-len(a_words):] == a_words:
            cur.execute(db.sql(  # every claim of that article with the short name
                "UPDATE claims SET speaker_resolved = ?, speaker_name = ?, "
                "speaker_norm = ? WHERE article_id = ? AND speaker_resolved = ?"),
                (b_name, speaker_name(b_name), padded(b_words), a_id, a_name))


def _join_story(db: Database, cur: Any, article_id: str, current: str | None,
                neighbours: set[str]) -> None:
    ids = {current} if current else set()
    if neighbours:
        cur.execute(db.sql(
            f"SELECT DISTINCT story_id FROM articles WHERE id IN "
            f"({', '.join('?' * len(neighbours))}) AND story_id IS NOT NULL"),
            sorted(neighbours))
        ids |= {r[0] for r in cur.fetchall()}
    target = min(ids) if ids else article_id
    merged = sorted(ids - {target})
    cur.execute(db.sql("UPDATE articles SET story_id = ? WHERE id = ?"),
                (target, article_id))
    if merged:
        marks = ", ".join("?" * len(merged))
        cur.execute(db.sql(f"UPDATE articles SET story_id = ? WHERE story_id IN ({marks})"),
                    (target, *merged))
        cur.execute(db.sql(f"DELETE FROM stories WHERE id IN ({marks})"), merged)
    cur.execute(db.sql(
        "SELECT COUNT(*), COUNT(DISTINCT domain) FROM articles WHERE story_id = ?"),
        (target,))
    count, sites = cur.fetchone()
    cur.execute(db.sql(
        "SELECT title FROM articles WHERE story_id = ? ORDER BY stored_at, id LIMIT 1"),
        (target,))
    title = cur.fetchone()[0]
    cur.execute(db.sql(
        "INSERT INTO stories VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
        "title = excluded.title, article_count = excluded.article_count, "
        "site_count = excluded.site_count, updated_at = excluded.updated_at"),
        (target, title, int(count), int(sites), now()))
