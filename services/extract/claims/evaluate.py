"""Evaluation commands (metrics as defined in the development data's README).

    newswire eval attribution DIR             # PolNeAR-format folder
    newswire eval checkworthiness FILE        # ClaimBuster-format JSON
    newswire eval speed TEXTDIR HTMLDIR       # find_claims articles/s vs trafilatura pages/s

Attribution: predicted contents (claims of kind "quote") are matched one-to-one to gold
contents when they cover ≥ 50% of the gold span's characters (greedy, best coverage first);
precision/recall/F1 over all attributions and over direct quotes (a content holding a
quotation mark, for gold and prediction alike); speaker accuracy = share of matched
contents (with a gold source) whose predicted speaker mention overlaps the gold Source span
or whose resolved speaker's last word appears in the gold Source.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from .checkworthy import score_checkworthiness
from .core import find_claims, warm_up
from .data import QUOTE_CHARS, GoldAttribution, load_claimbuster, load_polnear
from .model import Claim

_WORDS = re.compile(r"\w+")


def _coverage(pred: tuple[int, int], gold: tuple[tuple[int, int], ...]) -> float:
    total = sum(b - a for a, b in gold)
    if total <= 0:
        return 0.0
    hit = sum(max(0, min(b, pred[1]) - max(a, pred[0])) for a, b in gold)
    return hit / total


def match(
    preds: list[tuple[int, int]], golds: list[tuple[tuple[int, int], ...]]
) -> list[tuple[int, int]]:
    """One-to-one (pred index, gold index) pairs with coverage ≥ 0.5, best coverage first."""
    cands = []
    for i, p in enumerate(preds):
        for j, g in enumerate(golds):
            c = _coverage(p, g)
            if c >= 0.5:
                cands.append((-c, i, j))
    cands.sort()
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs = []
    for _, i, j in cands:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            pairs.append((i, j))
    return pairs


def _speaker_ok(text: str, claim: Claim, gold: GoldAttribution) -> bool:
    if claim.speaker_start is not None and claim.speaker_end is not None:
        for a, b in gold.source:
            if claim.speaker_start < b and a < claim.speaker_end:
                return True
    if claim.speaker:
        words = _WORDS.findall(claim.speaker.lower())
        src = set(_WORDS.findall(" ".join(text[a:b] for a, b in gold.source).lower()))
        if words and words[-1] in src:
            return True
    return False


def _prf(tp: int, npred: int, ngold: int) -> tuple[float, float, float]:
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


CONFIDENCE_THRESHOLDS = (0.5, 0.7, 0.9)


def _counts(
    quotes: list[Claim], golds: list[GoldAttribution]
) -> tuple[int, int, int, int, int, int]:
    """(matched, predicted, gold) over all attributions, then over direct quotes."""
    tp = len(match([(c.start, c.end) for c in quotes], [g.content for g in golds]))
    dq = [c for c in quotes if any(ch in c.text for ch in QUOTE_CHARS)]
    dg = [g for g in golds if g.direct]
    dtp = len(match([(c.start, c.end) for c in dq], [g.content for g in dg]))
    return tp, len(quotes), len(golds), dtp, len(dq), len(dg)


def evaluate_attribution(folder: str | Path, out: TextIO | None = None) -> dict[str, Any]:
    out = out or sys.stdout
    articles = load_polnear(folder)
    warm_up()
    n_words = sum(len(a.text.split()) for a in articles)
    t0 = time.perf_counter()
    results = [find_claims(a.text) for a in articles]
    elapsed = time.perf_counter() - t0
    spk_ok = spk_n = 0
    partial = 0
    by_min: dict[float, list[int]] = {t: [0] * 6 for t in (0.0, *CONFIDENCE_THRESHOLDS)}
    for art, res in zip(articles, results):
        partial += res.partial
        quotes = [c for c in res.claims if c.kind == "quote"]
        golds = list(art.attributions)
        for i, j in match([(c.start, c.end) for c in quotes], [g.content for g in golds]):
            if golds[j].source:
                spk_n += 1
                spk_ok += _speaker_ok(art.text, quotes[i], golds[j])
        for t, acc in by_min.items():
            for k, n in enumerate(_counts([c for c in quotes if c.confidence >= t], golds)):
                acc[k] += n
    tp, npred, ngold, dtp, dpred, dgold = by_min[0.0]
    p, r, f = _prf(tp, npred, ngold)
    dp, dr, df = _prf(dtp, dpred, dgold)
    speaker_acc = spk_ok / spk_n if spk_n else 0.0
    figures: dict[str, Any] = {
        "articles": len(articles), "gold": ngold, "predicted": npred, "matched": tp,
        "precision": p, "recall": r, "f1": f,
        "direct_gold": dgold, "direct_predicted": dpred, "direct_matched": dtp,
        "direct_precision": dp, "direct_recall": dr, "direct_f1": df,
        "speaker_accuracy": speaker_acc, "speaker_evaluated": spk_n, "partial": partial,
        "articles_per_s": len(articles) / elapsed if elapsed else 0.0,
        "words_per_s": n_words / elapsed if elapsed else 0.0,
    }
    print(
        f"articles {len(articles)}  gold {ngold}  predicted {npred}  matched {tp}  "
        f"partial {partial}",
        file=out,
    )
    print(f"overall  P {p:.3f}  R {r:.3f}  F1 {f:.3f}", file=out)
    print(
        f"direct   P {dp:.3f}  R {dr:.3f}  F1 {df:.3f}  "
        f"(gold {dgold}, predicted {dpred}, matched {dtp})",
        file=out,
    )
    print(
        f"speaker accuracy {speaker_acc:.3f}  ({spk_ok}/{spk_n} matched with a gold source)",
        file=out,
    )
    for t in CONFIDENCE_THRESHOLDS:
        c = by_min[t]
        ap, ar, _ = _prf(c[0], c[1], c[2])
        bp, br, _ = _prf(c[3], c[4], c[5])
        figures[f"confidence_{t}"] = {
            "precision": ap,
            "recall": ar,
            "direct_precision": bp,
            "direct_recall": br,
        }
        print(
            f"confidence >= {t}: overall P {ap:.3f} R {ar:.3f}  direct P {bp:.3f} R {br:.3f}",
            file=out,
        )
    print(
        f"throughput {figures['articles_per_s']:.1f} articles/s  "
        f"{figures['words_per_s']:.0f} words/s (single process)",
        file=out,
    )
    return figures


def average_precision(gold: list[int], scores: list[float]) -> float:
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    npos = sum(gold)
    hits = 0
    total = 0.0
    for k, i in enumerate(order, 1):
        if gold[i]:
            hits += 1
            total += hits / k
    return total / npos if npos else 0.0


def evaluate_checkworthiness(path: str | Path, out: TextIO | None = None) -> dict[str, Any]:
    out = out or sys.stdout
    rows = load_claimbuster(path)
    gold = [y for _, y in rows]
    t0 = time.perf_counter()
    scores = score_checkworthiness([t for t, _ in rows])
    elapsed = time.perf_counter() - t0
    pred = [s >= 0.5 for s in scores]
    tp = sum(1 for g, p in zip(gold, pred) if g and p)
    p, r, f = _prf(tp, sum(pred), sum(gold))
    ap = average_precision(gold, scores)
    print(f"sentences {len(rows)}  positive {sum(gold)}  predicted positive {sum(pred)}", file=out)
    print(f"F1(positive)@0.5 {f:.3f}  P {p:.3f}  R {r:.3f}  AP {ap:.3f}", file=out)
    print(f"throughput {len(rows) / elapsed:.0f} sentences/s", file=out)
    return {"f1": f, "precision": p, "recall": r, "average_precision": ap}


def evaluate_speed(
    text_dir: str | Path, html_dir: str | Path, out: TextIO | None = None
) -> dict[str, Any]:
    """find_claims articles/s and trafilatura.extract pages/s, side by side in one run."""
    out = out or sys.stdout
    import gzip

    import trafilatura

    texts = [p.read_text(encoding="utf-8") for p in sorted(Path(text_dir).glob("*.txt"))]
    pages = []
    for p in sorted(Path(html_dir).glob("*.html*")):
        raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
        pages.append(raw.decode("utf-8", "replace"))
    warm_up()
    trafilatura.extract(pages[0]) if pages else None
    t0 = time.perf_counter()
    for page in pages:
        trafilatura.extract(page)
    t_traf = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in texts:
        find_claims(t)
    t_claims = time.perf_counter() - t0
    traf = len(pages) / t_traf if t_traf else 0.0
    claims = len(texts) / t_claims if t_claims else 0.0
    words = sum(len(t.split()) for t in texts) / max(1, len(texts))
    print(f"trafilatura.extract {traf:.1f} pages/s ({len(pages)} pages)", file=out)
    print(
        f"find_claims         {claims:.1f} articles/s "
        f"({len(texts)} articles, {words:.0f} words avg)",
        file=out,
    )
    print(f"ratio {claims / traf if traf else 0.0:.2f}x", file=out)
    return {"trafilatura_pages_per_s": traf, "claims_articles_per_s": claims}


USAGE = "usage: eval attribution DIR | eval checkworthiness FILE | eval speed TEXTDIR HTMLDIR"


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "attribution":
        evaluate_attribution(argv[1])
    elif len(argv) == 2 and argv[0] == "checkworthiness":
        evaluate_checkworthiness(argv[1])
    elif len(argv) == 3 and argv[0] == "speed":
        evaluate_speed(argv[1], argv[2])
    else:
        print(USAGE, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
