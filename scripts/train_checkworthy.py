"""Train the check-worthiness model shipped in services/extract/claims/checkworthy_model.json.

    python scripts/train_checkworthy.py ../shared/data/claimbuster/train.json            # report + write
    python scripts/train_checkworthy.py ../shared/data/claimbuster/train.json --no-write # report only

First reports F1 (positive class, threshold 0.5) and average precision on a fixed, stratified,
seeded 20% hold-out of the file, then trains on all of it and writes the JSON weights. Needs
scikit-learn (training only; serving is pure Python). Deterministic for a given input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.extract.claims.checkworthy import MODEL_PATH, CheckworthyModel, features  # noqa: E402
from services.extract.claims.data import load_claimbuster  # noqa: E402

SEED = 13
C = 1.0  # chosen among {1, 3, 10} and with/without hand features on the 80% part
USE_HAND = False  # the hand features did not help on the hold-out (0.754 vs 0.766)
MIN_DF_WORD = 2
MIN_DF_CHAR = 3


def _fit(texts: list[str], labels: list[int]) -> dict:
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression
    from scipy.sparse import csr_matrix, hstack

    feats = [features(t) for t in texts]
    blocks = []
    model: dict = {}
    for i, (name, min_df) in enumerate((("word", MIN_DF_WORD), ("char", MIN_DF_CHAR))):
        dv = DictVectorizer()
        X = dv.fit_transform([f[i] for f in feats])
        df = np.asarray((X > 0).sum(axis=0)).ravel()
        keep = np.where(df >= min_df)[0]
        X = X[:, keep]
        names = [dv.feature_names_[j] for j in keep]
        tt = TfidfTransformer(sublinear_tf=True)
        Xt = tt.fit_transform(X)
        blocks.append(Xt)
        model[f"{name}_names"] = names
        model[f"{name}_idf"] = dict(zip(names, (round(float(v), 5) for v in tt.idf_)))
    hand_names = sorted(feats[0][2]) if USE_HAND else []
    if hand_names:
        blocks.append(csr_matrix([[f[2][k] for k in hand_names] for f in feats]))
    X = hstack(blocks).tocsr()
    lr = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=SEED)
    lr.fit(X, np.asarray(labels))
    coef = lr.coef_.ravel()
    nw, nc = len(model["word_names"]), len(model["char_names"])
    out = {
        "format": "newswire-checkworthy-1",
        "word_idf": model["word_idf"],
        "char_idf": model["char_idf"],
        "word_coef": {n: round(float(c), 5) for n, c in zip(model["word_names"], coef[:nw])},
        "char_coef": {n: round(float(c), 5) for n, c in zip(model["char_names"], coef[nw : nw + nc])},
        "hand_coef": {n: round(float(c), 5) for n, c in zip(hand_names, coef[nw + nc :])},
        "intercept": round(float(lr.intercept_[0]), 5),
    }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", help="ClaimBuster-format JSON (list of {text, label})")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--out", default=str(MODEL_PATH))
    args = ap.parse_args(argv)

    from sklearn.metrics import average_precision_score, f1_score
    from sklearn.model_selection import train_test_split

    rows = load_claimbuster(args.data)
    texts = [t for t, _ in rows]
    labels = [y for _, y in rows]
    tr, te = train_test_split(range(len(rows)), test_size=0.2, stratify=labels, random_state=SEED)
    m = CheckworthyModel(_fit([texts[i] for i in tr], [labels[i] for i in tr]))
    scores = [m.score(texts[i]) for i in te]
    gold = [labels[i] for i in te]
    f1 = f1_score(gold, [s >= 0.5 for s in scores])
    ap_ = average_precision_score(gold, scores)
    print(f"held-out 20% (seed {SEED}, n={len(te)}): F1(pos)@0.5 {f1:.3f}  AP {ap_:.3f}")
    if not args.no_write:
        full = _fit(texts, labels)
        Path(args.out).write_text(json.dumps(full, separators=(",", ":"), sort_keys=True), encoding="utf-8")
        print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1e6:.2f} MB, trained on {len(rows)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
