"""What the store derives from an article's content, in the write's own transaction: the
search row, the near-duplicate mark, corroboration links between outlets' quotes (and the
speaker names they share), and the article's story. See ``derive``."""

from __future__ import annotations

from typing import Any

from services.store.columns import now
from services.store.connection import Database
from services.store.speakers import refresh_speaker_words
from services.store.text import (
    DUPLICATE_JACCARD,
    content_words,
    estimate_jaccard,
    keyed_hash,
    padded,
    paraphrase_match,
    quote_shingles,
    quoted_shingles,
    quotes_match,
    sketch,
    speaker_name,
    tokens,
)

__all__ = ["MIN_DUPLICATE_SHINGLES", "STORY_JACCARD", "derive", "join_story"]

STORY_JACCARD = 0.3
MIN_DUPLICATE_SHINGLES = 20



def derive(db: Database, cur: Any, article_id: str, follow: bool = True) -> set[int]:
    """Everything computed from an article's stored content, recomputed from scratch.
    Returns the article's link keys (sketch hashes and quote fingerprints): a concurrent
    writer whose articles share one may have been hidden from this derivation
    (``relink.relink_concurrent``).

    1. Search: PostgreSQL's generated ``tsv`` column updates itself; the SQLite FTS5 row
       (rowid = the article's rowid) is replaced.
    2. Near-duplicates (syndicated wire copy): the body's bottom-k sketch is compared with
       the articles that share sketch hashes; Jaccard >= DUPLICATE_JACCARD marks this
       article ``duplicate_of`` the root of the earliest such article stored before it (only
       earlier ones, so two writers deriving at once cannot mark each other). A copy that
       is a root but was stored after this article (two writers stored them at once, the
       later one first) is derived again (``follow``), so it becomes this one's duplicate. A
       duplicate takes no part in corroboration: copies of one text are not independent
       confirmation.
    3. Corroboration: each attributed quote's fingerprint is compared with the quotes of
       the same speaker key (surname) already stored; matches from articles on a
       different registrable domain (``newswire.urls.domain_key``) are linked in both
       directions in ``claim_links``.
    4. Stories: an article joins the story of every article it is linked to by
       corroboration, duplication or body similarity >= STORY_JACCARD; stories that it
       connects are merged (the smallest story id survives) under row locks on the stories
       merged. Stories only grow online; a new version never splits one.
    """
    cur.execute(db.sql(
        "SELECT title, text, domain, story_id, rowid, stored_at FROM articles WHERE id = ?"
        if db.dialect == "sqlite" else
        "SELECT title, text, domain, story_id, 0, stored_at FROM articles WHERE id = ?"),
        (article_id,))
    title, text, domain, story_id, rowid, stored_at = cur.fetchone()
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
    similar, later, duplicate_of, duplicate_sim = _near_duplicates(
        db, cur, article_id, (stored_at, article_id), hashes)
    db.insert_rows(cur, "article_sketch", "hash BIGINT, article_id TEXT",
                   [(h, article_id) for h in hashes])
    cur.execute(db.sql(
        "UPDATE articles SET duplicate_of = ?, duplicate_similarity = ? WHERE id = ?"),
        (duplicate_of, duplicate_sim, article_id))
    if duplicate_of is not None:  # its own copies now point at its root: one hop, always
        cur.execute(db.sql("UPDATE articles SET duplicate_of = ? WHERE duplicate_of = ?"),
                    (duplicate_of, article_id))

    # 3. corroboration
    linked: set[str] = set()
    prints: set[int] = set()
    if duplicate_of is None:
        linked, prints = _corroborate(db, cur, article_id, domain)

    # 4. stories
    neighbours = linked | set(similar) | ({duplicate_of} if duplicate_of else set())
    join_story(db, cur, article_id, story_id, neighbours)
    keys = set(hashes) | prints
    for other in sorted(later) if follow and duplicate_of is None else ():
        keys |= derive(db, cur, other, follow=False)
    return keys


def _near_duplicates(db: Database, cur: Any, article_id: str, own: tuple[str, str],
                     hashes: list[int]
                     ) -> tuple[dict[str, float], set[str], str | None, float | None]:
    """Articles whose sketch shares enough hashes: those similar enough for one story, the
    roots stored later that are copies of this one, and the root this article duplicates
    (of an earlier article, ``own`` = (stored_at, id))."""
    similar: dict[str, float] = {}
    later: set[str] = set()
    duplicate_of, duplicate_sim = None, None
    if not hashes:
        return similar, later, None, None
    cur.execute(db.sql(
        f"SELECT s.article_id, COUNT(*) FROM "
        f"{db.each_value(len(hashes), 'article_sketch', 's', 's.hash = h.v', 's.article_id')} "
        f"WHERE s.article_id <> ? "
        f"GROUP BY s.article_id HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC LIMIT 50"),
        (*db.value_params(hashes), article_id, 4))
    candidates = [r[0] for r in cur.fetchall()]
    if not candidates:
        return similar, later, None, None
    theirs, params = db.any_of("article_id", candidates)
    cur.execute(db.sql(f"SELECT article_id, hash FROM article_sketch WHERE {theirs}"), params)
    their: dict[str, list[int]] = {}
    for other, h in cur.fetchall():
        their.setdefault(other, []).append(h)
    ids, params = db.any_of("id", candidates)
    # FOR SHARE: a writer that is making one of them a duplicate (and re-pointing its
    # copies) finishes first, so this article never points at an article that stopped being
    # a root; and that writer, if it comes second, sees this one among the copies it re-points
    cur.execute(db.sql(f"SELECT id, duplicate_of, stored_at FROM articles "
                       f"WHERE {ids} ORDER BY stored_at, id"
                       + (" FOR SHARE" if db.dialect == "postgresql" else "")), params)
    for other, other_dup, other_stored in cur.fetchall():
        sim = estimate_jaccard(hashes, sorted(their.get(other, [])))
        if sim >= STORY_JACCARD:
            similar[other] = sim
        root = other_dup or other
        if (duplicate_of is None and sim >= DUPLICATE_JACCARD
                and len(hashes) >= MIN_DUPLICATE_SHINGLES and root != article_id
                and other_dup != article_id and (other_stored, other) < own):
            duplicate_of, duplicate_sim = root, round(sim, 4)
        elif (sim >= DUPLICATE_JACCARD and len(hashes) >= MIN_DUPLICATE_SHINGLES
              and other_dup is None and (other_stored, other) > own):
            later.add(other)
    return similar, later, duplicate_of, duplicate_sim


_KINDS = (("n_shingles", quotes_match, "quote"), ("n_quoted", quotes_match, "quote"),
          ("n_words", paraphrase_match, "paraphrase"))


def _corroborate(db: Database, cur: Any, article_id: str, domain: str | None
                 ) -> tuple[set[str], set[int]]:
    """Link this article's attributed claims to the same speaker's claims on other outlets:
    the same or a trimmed statement (word 3-grams: ``quotes_match``), the same quoted
    words, whole or a fragment of them (3-grams of the quoted words only), else the same
    statement in other words (content words: ``paraphrase_match``). The fingerprints live
    in ``quote_shingles`` under the speaker key, each kind in its own hash namespace, so
    one indexed probe per speaker key finds every candidate, at a cost that does not grow
    with the archive, only with the speaker's matching statements. Returns the articles
    linked and every fingerprint hash of this article."""
    cur.execute(db.sql(
        "SELECT idx, text, direct, speaker_key FROM claims WHERE article_id = ? "
        "AND speaker_key IS NOT NULL AND n_shingles > 0 ORDER BY idx"), (article_id,))
    quotes = [(idx, key, (quote_shingles(text), quoted_shingles(text, bool(direct)),
                          content_words(text)))
              for idx, text, direct, key in cur.fetchall()]
    by_key: dict[str, set[int]] = {}
    for _, key, kinds in quotes:
        by_key.setdefault(key, set()).update(*kinds)
    # (speaker key, other article, other idx) -> hashes shared, sizes, domain
    matched: dict[tuple[str, str, int], set[int]] = {}
    sizes: dict[tuple[str, int], tuple[tuple[int, int, int], str | None]] = {}
    for key, wanted in sorted(by_key.items()):
        for shingle, other, other_idx, n_shingles, n_quoted, n_words, other_domain in \
                _probe(db, cur, key, wanted, article_id):
            matched.setdefault((key, other, other_idx), set()).add(shingle)
            sizes[(other, other_idx)] = ((n_shingles, n_quoted, n_words), other_domain)
    links: list[tuple[Any, ...]] = []
    for idx, key, kinds in quotes:
        found: dict[tuple[str, int], tuple[float, str]] = {}
        for k, (own_prints, (_, match, kind)) in enumerate(zip(kinds, _KINDS, strict=True)):
            if not own_prints:
                continue
            for (m_key, other, other_idx), shared in matched.items():
                if m_key != key or (other, other_idx) in found:
                    continue
                other_sizes, other_domain = sizes[(other, other_idx)]
                if domain is not None and other_domain == domain:
                    continue  # one outlet repeating itself is not corroboration
                sim = match(len(shared & own_prints), len(own_prints), int(other_sizes[k]))
                if sim is not None:
                    found[(other, other_idx)] = (sim, kind)
        for (other, other_idx), (sim, kind) in sorted(found.items()):
            links.append((article_id, idx, other, other_idx, sim, kind))
            links.append((other, other_idx, article_id, idx, sim, kind))
    db.insert_rows(cur, "claim_links", "article_id TEXT, idx INTEGER, other_article_id TEXT, "
                   "other_idx INTEGER, similarity REAL, match TEXT", links,
                   "ON CONFLICT (article_id, idx, other_article_id, other_idx) DO NOTHING")
    if links:
        _share_speaker_names(db, cur, links[::2])
    rows = sorted({(key, h, article_id, idx) for idx, key, kinds in quotes
                   for prints in kinds for h in prints})
    db.insert_rows(cur, "quote_shingles", "speaker_key TEXT, shingle BIGINT, "
                   "article_id TEXT, idx INTEGER", rows,
                   "ON CONFLICT (speaker_key, shingle, article_id, idx) DO NOTHING")
    # a concurrent writer matters only if it wrote the same fingerprint under the same key
    return ({link[2] for link in links if link[0] == article_id},
            {keyed_hash(key, h) for key, h, *_ in rows})


_SAME_KEY, _HIT = "q.speaker_key = ? AND q.shingle = h.v", "q.shingle, q.article_id, q.idx"


def _probe(db: Database, cur: Any, key: str, prints: set[int], article_id: str
           ) -> list[tuple[Any, ...]]:
    """Other articles' claims by this speaker key holding any of these fingerprint hashes,
    one row per hash held: (hash, article, claim index, the claim's three fingerprint
    sizes, that article's domain)."""
    cur.execute(db.sql(
        f"SELECT q.shingle, q.article_id, q.idx, c.n_shingles, c.n_quoted, c.n_words, "
        f"a.domain FROM {db.each_value(len(prints), 'quote_shingles', 'q', _SAME_KEY, _HIT)} "
        f"JOIN claims c ON c.article_id = "
        f"q.article_id AND c.idx = q.idx JOIN articles a ON a.id = q.article_id "
        f"WHERE q.article_id <> ?"), (*db.value_params(sorted(prints)), key, article_id))
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
            refresh_speaker_words(db, cur, a_id)


def join_story(db: Database, cur: Any, article_id: str, current: str | None,
               neighbours: set[str]) -> None:
    """Put the article in the story of its neighbours, merging the stories it connects into
    the smallest id. On PostgreSQL the stories' rows are locked first (in id order) and the
    neighbours' stories read again under the lock, until they stand still: a concurrent
    writer that merged one of them meanwhile has committed by then, so no article is left
    behind in a story that another transaction deleted."""
    ids = _neighbour_stories(db, cur, current, neighbours)
    if db.dialect == "postgresql":
        while ids:
            cur.execute("SELECT id FROM stories WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                        (sorted(ids),))
            again = _neighbour_stories(db, cur, current, neighbours)
            if again == ids:
                break
            ids = again
    target = min(ids) if ids else article_id
    merged = sorted(ids - {target})
    cur.execute(db.sql("UPDATE articles SET story_id = ? WHERE id = ?"),
                (target, article_id))
    if merged:
        in_merged, params = db.any_of("story_id", merged)
        cur.execute(db.sql(f"UPDATE articles SET story_id = ? WHERE {in_merged}"),
                    (target, *params))
        in_merged, params = db.any_of("id", merged)
        cur.execute(db.sql(f"DELETE FROM stories WHERE {in_merged}"), params)
    cur.execute(db.sql(
        "SELECT COUNT(*), COUNT(DISTINCT domain), (SELECT title FROM articles WHERE "
        "story_id = ? ORDER BY stored_at, id LIMIT 1) FROM articles WHERE story_id = ?"),
        (target, target))
    count, sites, title = cur.fetchone()
    cur.execute(db.sql(
        "INSERT INTO stories VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
        "title = excluded.title, article_count = excluded.article_count, "
        "site_count = excluded.site_count, updated_at = excluded.updated_at"),
        (target, title, int(count), int(sites), now()))


def _neighbour_stories(db: Database, cur: Any, current: str | None,
                       neighbours: set[str]) -> set[str]:
    ids = {current} if current else set()
    if neighbours:
        among, params = db.any_of("id", sorted(neighbours))
        cur.execute(db.sql(f"SELECT DISTINCT story_id FROM articles WHERE {among} "
                           f"AND story_id IS NOT NULL"), params)
        ids |= {r[0] for r in cur.fetchall()}
    return ids
