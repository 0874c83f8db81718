"""Error analysis of the attribution rules on a PolNeAR-format folder (use the TRAIN split:
the dev split is for reporting only).

    python scripts/attribution_errors.py ../shared/data/polnear/train [--show BUCKET] [--n 30]

Prints counts per bucket for three kinds of error, with the same matching as
``newswire eval attribution``:
- speaker errors on matched contents (no speaker, pronoun resolved wrong, relative pronoun,
  span beside the gold source, organisation against person, …);
- recall misses, by the gold cue's first word and by whether a prediction overlaps the gold
  content at all (a boundary error) or nothing does (a cue the rules do not know);
- false positives, by cue and by whether they overlap a gold content.
``--show BUCKET`` prints examples of one bucket (content, gold source, predicted speaker).
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.extract.claims import find_claims
from services.extract.claims.data import GoldAttribution, load_polnear
from services.extract.claims.evaluate import _speaker_ok, match
from services.extract.claims.model import Claim

_PRON = frozenset("he she him his her they them we i it you".split())
_REL = frozenset("who which that".split())


def _text(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    return " … ".join(text[a:b] for a, b in spans)


def speaker_bucket(text: str, c: Claim, g: GoldAttribution) -> str:
    """Why a matched content's speaker is wrong (a rough, first-fit class)."""
    gold = _text(text, g.source).strip()
    glow = gold.lower().split()
    if c.speaker_start is None or c.speaker_end is None:
        return "no-speaker"
    mention = text[c.speaker_start : c.speaker_end]
    mlow = mention.lower().split()
    if len(mlow) == 1 and mlow[0] in _REL:
        return "relative-pronoun"
    if len(mlow) == 1 and mlow[0] in _PRON:
        if len(glow) == 1 and glow[0] in _PRON:
            return "pronoun-vs-other-pronoun"
        return "pronoun-resolved-wrong"
    if len(glow) == 1 and glow[0] in _PRON:
        return "gold-pronoun-pred-name"
    src_end = max(b for _, b in g.source)
    src_start = min(a for a, _ in g.source)
    if c.speaker_start >= src_end + 0 and c.speaker_start - src_end < 40:
        return "pred-after-gold"
    if c.speaker_end <= src_start and src_start - c.speaker_end < 40:
        return "pred-before-gold"
    if mention[:1].islower() or glow[:1] == ["the"] or gold[:1].islower():
        return "common-noun-phrase"
    return "other-entity"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--show", default="")
    ap.add_argument("--n", type=int, default=25)
    args = ap.parse_args()
    spk: collections.Counter[str] = collections.Counter()
    miss: collections.Counter[str] = collections.Counter()
    miss_cue: collections.Counter[str] = collections.Counter()
    fp: collections.Counter[str] = collections.Counter()
    fp_cue: collections.Counter[str] = collections.Counter()
    shown = 0
    for art in load_polnear(args.folder):
        text = art.text
        quotes = [c for c in find_claims(text).claims if c.kind == "quote"]
        golds = list(art.attributions)
        pairs = match([(c.start, c.end) for c in quotes], [g.content for g in golds])
        mp = {i for i, _ in pairs}
        mg = {j for _, j in pairs}
        examples: list[tuple[str, str]] = []
        for i, j in pairs:
            c, g = quotes[i], golds[j]
            if g.source and not _speaker_ok(text, c, g):
                b = speaker_bucket(text, c, g)
                spk[b] += 1
                mention = (
                    text[c.speaker_start : c.speaker_end] if c.speaker_start is not None else None
                )
                examples.append(
                    (
                        "spk:" + b,
                        f"C: {c.text[:160]!r} cue {c.cue!r}\n   gold src {_text(text, g.source)!r} "
                        f"pred {mention!r} -> {c.speaker!r}\n   ctx: "
                        f"{text[max(0, min(c.start, c.speaker_start or c.start) - 150) : c.end + 60]!r}",  # noqa: E501
                    )
                )
        for j, g in enumerate(golds):
            if j in mg:
                continue
            cue = _text(text, g.cue).lower()
            first = re.sub(r"[^a-z’' ]", "", cue).split()[:1]
            key = ("direct " if g.direct else "indirect ") + (
                "overlap" if any(
                    min(c.end, b) > max(c.start, a) for c in quotes for a, b in g.content
                ) else "none"
            )
            miss[key] += 1
            miss_cue[first[0] if first else "(no cue)"] += 1
            examples.append(
                (
                    "miss:" + key.replace(" ", "-"),
                    f"cue {cue!r} src {_text(text, g.source)!r}\n   C: "
                    f"{_text(text, g.content)[:200]!r}\n   preds near: "
                    + "; ".join(
                        repr(c.text[:80]) for c in quotes
                        if any(min(c.end, b) > max(c.start, a) for a, b in g.content)
                    ),
                )
            )
        for i, c in enumerate(quotes):
            if i in mp:
                continue
            over = any(
                min(c.end, b) > max(c.start, a) for g in golds for a, b in g.content
            )
            key = ("direct " if c.direct else "indirect ") + ("overlap" if over else "none")
            fp[key] += 1
            fp_cue[(c.cue or "").lower()] += 1
            examples.append(
                (
                    "fp:" + key.replace(" ", "-"),
                    f"cue {c.cue!r} spk {c.speaker!r}\n   C: {c.text[:200]!r}\n   gold near: "
                    + "; ".join(
                        repr(_text(text, g.content)[:80]) for g in golds
                        if any(min(c.end, b) > max(c.start, a) for a, b in g.content)
                    ),
                )
            )
        if args.show:
            for b, s in examples:
                if b == args.show and shown < args.n:
                    shown += 1
                    print(f"[{art.name}] {s}\n")
    if args.show:
        return 0
    print("speaker errors:", sum(spk.values()))
    for k, v in spk.most_common():
        print(f"  spk:{k:30s} {v}")
    print("recall misses:", sum(miss.values()))
    for k, v in miss.most_common():
        print(f"  miss:{k.replace(' ', '-'):28s} {v}")
    print("  by gold cue first word:", ", ".join(f"{k} {v}" for k, v in miss_cue.most_common(40)))
    print("false positives:", sum(fp.values()))
    for k, v in fp.most_common():
        print(f"  fp:{k.replace(' ', '-'):30s} {v}")
    print("  by cue:", ", ".join(f"{k} {v}" for k, v in fp_cue.most_common(30)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
