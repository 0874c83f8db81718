"""Quality gate on the team's own hand-labelled gold set (tests/claims/claims_gold.py).

Floors sit a little under today's figures so that a regression in attribution, speaker
resolution or check-worthiness fails CI. Metric as in services.extract.claims.evaluate.
"""

from __future__ import annotations

from claims_gold import ARTICLES

from services.extract.claims import find_claims, score_checkworthiness
from services.extract.claims.evaluate import match

FLOOR_F1 = 0.85
FLOOR_DIRECT_RECALL = 0.85
FLOOR_SPEAKER = 0.80


def _run():
    tp = npred = ngold = 0
    dtp = dgold = 0
    spk_ok = 0
    for art in ARTICLES:
        text = art["text"]
        quotes = [c for c in find_claims(text).claims if c.kind == "quote"]
        golds: list[tuple[tuple[int, int], ...]] = [
            ((text.index(c), text.index(c) + len(c)),) for c, _, _ in art["gold"]]
        pairs = match([(q.start, q.end) for q in quotes], golds)
        tp += len(pairs)
        npred += len(quotes)
        ngold += len(golds)
        for i, j in pairs:
            _, _mention, resolved = art["gold"][j]
            q = quotes[i]
            if q.speaker == resolved:
                spk_ok += 1
            direct = "\u201c" in art["gold"][j][0]
            dtp += direct
        dgold += sum("\u201c" in c for c, _, _ in art["gold"])
    p = tp / npred
    r = tp / ngold
    return 2 * p * r / (p + r), dtp / dgold, spk_ok / tp


def test_attribution_quality_floors():
    f1, direct_recall, speaker_acc = _run()
    assert f1 >= FLOOR_F1, f1
    assert direct_recall >= FLOOR_DIRECT_RECALL, direct_recall
    assert speaker_acc >= FLOOR_SPEAKER, speaker_acc


def test_checkworthiness_ranks_factual_claims_above_chatter():
    factual = [
        "Unemployment fell to 4.1 percent last year, the lowest rate since 2000.",
        "The bill would add $1.2 trillion to deficits over ten years.",
        "Crime in the city doubled between 2010 and 2015.",
        "We have lost 70,000 factories since China entered the World Trade Organization.",
    ]
    chatter = [
        "Thank you all so much for being here tonight.",
        "I think that is a great question.",
        "What are you going to do about it?",
        "Let me finish, please.",
    ]
    fs = score_checkworthiness(factual)
    cs = score_checkworthiness(chatter)
    assert all(s >= 0.5 for s in fs), fs
    assert all(s < 0.5 for s in cs), cs
