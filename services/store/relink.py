"""Links a concurrent writer hid: what makes article writes safe without a global lock.

Deriving an article's links reads other articles' fingerprints (sketch hashes, quote
shingles). Two PostgreSQL transactions writing related articles at the same moment cannot see
each other's uncommitted rows, so each may link nothing. Rather than serialise writers, every
batch logs its link keys (``write_log``: its transaction id and the hashes it wrote) and,
after it commits, looks for batches that committed after its snapshot was taken (not visible
in it, ``pg_visible_in_snapshot``). Articles that share a key with one of those are derived
again in a second transaction, which now sees them.

Why that is enough: of two concurrent batches, the one that commits second runs its check
after the other's commit, so it finds it and derives the pair again; links are written in
both directions, duplicates point only to earlier articles, and story merges lock the story
rows (``links.join_story``), so the result is that of one serial order. SQLite needs none of
it: its writers are serialised by the database (``BEGIN IMMEDIATE``).

Old log rows are pruned after ten minutes (a batch's transaction lasts seconds).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from services.store.connection import Database
from services.store.links import derive

__all__ = ["LinkLog", "begin_link_log", "end_link_log", "relink_concurrent"]


@dataclass
class LinkLog:
    """One batch's snapshot, its transaction id and each derived article's link keys."""
    snapshot: str | None = None
    xid: str | None = None
    keys: dict[str, set[int]] = field(default_factory=dict)


def begin_link_log(db: Database, cur: Any) -> LinkLog:
    """The batch's first statement: the snapshot concurrent batches are judged against."""
    if db.dialect != "postgresql":
        return LinkLog()
    cur.execute("SELECT pg_current_snapshot()::text")
    return LinkLog(snapshot=cur.fetchone()[0])


def end_link_log(db: Database, cur: Any, log: LinkLog) -> None:
    """The batch's last statement: log its keys under its transaction id."""
    if db.dialect != "postgresql" or not log.keys:
        return
    keys = sorted(set().union(*log.keys.values()))
    cur.execute("INSERT INTO write_log (xid, keys, written_at) "
                "VALUES (pg_current_xact_id(), %s, now()) RETURNING xid::text", (keys,))
    log.xid = cur.fetchone()[0]
    if random.random() < 0.02:  # now and then, not by every batch at once
        cur.execute("DELETE FROM write_log WHERE written_at < now() - interval '10 minutes'")


def relink_concurrent(db: Database, log: LinkLog) -> set[str]:
    """After the batch committed: derive again its articles that share a link key with a
    batch that committed concurrently. Returns the articles derived again."""
    if log.xid is None or log.snapshot is None:
        return set()
    with db.cursor() as cur:
        cur.execute("SELECT keys FROM write_log WHERE xid >= pg_snapshot_xmin(%s::pg_snapshot) "
                    "AND NOT pg_visible_in_snapshot(xid, %s::pg_snapshot) AND xid <> %s::xid8",
                    (log.snapshot, log.snapshot, log.xid))
        theirs: set[int] = set()
        for (keys,) in cur.fetchall():
            theirs.update(keys)
    again = sorted(a for a, keys in log.keys.items() if keys & theirs)
    if again:
        db.transaction(lambda cur: [derive(db, cur, a) for a in again])
    return set(again)
