"""The convolutional half of the check-worthiness model, evaluated with numpy.

A Kim (2014)-style sentence CNN: wordpieces of the sentence → 64-dim embeddings (initialised
from all-MiniLM-L6-v2 by the training script) → convolutions of widths 1, 2 and 3 → ReLU →
max over positions → one linear output. It is trained on the same gold and teacher-labelled
sentences as the logistic regression (``scripts/checkworthy_cnn.py``) and sees word order and
combinations of words that a linear model over n-grams cannot; the two logits are averaged.

Sentences of one article are scored together, in buckets of similar length: a gather of
precomputed per-piece filter products, then shifted sums, ReLU and max.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .wordpiece import MAX_CHARS, is_word, tokens, wordpieces

MAX_PIECES = 128  # a sentence is scored on its first 128 wordpieces
PAD, UNK = 0, 1
_CACHE_MAX = 50_000
_BUCKET = 32  # sentences padded to one length


def piece_ids(
    text: str, index: dict[str, int], cache: dict[str, list[int]] | None = None
) -> list[int]:
    """Wordpiece ids of a sentence (lower-cased words; punctuation as its own piece); ``cache``
    keeps each word's ids between calls."""
    cache = {} if cache is None else cache
    out: list[int] = []
    for t in tokens(text[:MAX_CHARS]):
        if is_word(t):
            w = t.lower()
            ids = cache.get(w)
            if ids is None:
                if len(cache) >= _CACHE_MAX:
                    cache.clear()
                ids = cache[w] = [index.get(p, UNK) for p in wordpieces(w, index)]
            out += ids
        else:
            out.append(index.get(t, UNK))
        if len(out) >= MAX_PIECES:
            return out[:MAX_PIECES]
    return out


def window_mask(lengths: np.ndarray, width: int, n_windows: int) -> np.ndarray:
    """(sentences, windows) bool: window t of ``width`` is valid when it starts inside the
    sentence and (unless the sentence is shorter than the width) ends inside it too."""
    last = np.maximum(lengths - width + 1, 1)
    mask: np.ndarray = np.arange(n_windows)[None, :] < last[:, None]
    return mask


class CnnScorer:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with np.load(path, allow_pickle=False) as z:
            if str(z["format"]) != "newswire-checkworthy-cnn-1":
                raise ValueError(f"unknown check-worthiness CNN format {z['format']!r}")
            self.index = {str(p): i for i, p in enumerate(z["pieces"])}
            emb = z["emb"].astype(np.float32)
            self.widths = [int(k) for k in z["widths"]]
            # A convolution is linear in its inputs, so each piece's product with each filter
            # offset is computed once here; scoring is then a gather and shifted sums, about
            # a quarter of the time of the matrix products (68 MB for 96 filters).
            self.tables = []
            for k in self.widths:
                w = z[f"conv{k}_w"].astype(np.float32)  # (width, dim, filters)
                table = np.concatenate(
                    [emb @ w[j] for j in range(k)], axis=1
                )  # (pieces, width * filters)
                self.tables.append((table, z[f"conv{k}_b"].astype(np.float32)))
            self.out_w = z["out_w"].astype(np.float32)
            self.out_b = float(z["out_b"])
        self._cache: dict[str, list[int]] = {}

    def logits(self, texts: Sequence[str]) -> list[float]:
        seqs = [piece_ids(t, self.index, self._cache) or [UNK] for t in texts]
        out = [0.0] * len(seqs)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        for a in range(0, len(order), _BUCKET):  # sentences of similar length: less padding
            idx = order[a : a + _BUCKET]
            for i, z in zip(idx, self._bucket([seqs[i] for i in idx])):
                out[i] = z
        return out

    def _bucket(self, seqs: list[list[int]]) -> list[float]:
        lengths = np.array([len(s) for s in seqs])
        n = max(int(lengths.max()), max(self.widths))
        ids = np.zeros((len(seqs), n), dtype=np.int64)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = s
        pooled = []
        for k, (table, b) in zip(self.widths, self.tables):
            f = b.shape[0]
            m = n - k + 1
            g = table[ids]  # (S, n, k * filters), this call's own copy
            h = g[:, :m, :f]  # summed in place: the other offsets' columns are not touched
            for j in range(1, k):
                h += g[:, j : j + m, j * f : (j + 1) * f]
            h = np.maximum(h + b, 0.0)
            h *= window_mask(lengths, k, m)[:, :, None]
            pooled.append(h.max(axis=1))
        z = np.concatenate(pooled, axis=1) @ self.out_w + self.out_b
        return [float(v) for v in z]
