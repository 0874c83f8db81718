"""The numpy sentence CNN of the check-worthiness model, against a direct convolution."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from services.extract.claims.cnn import MAX_PIECES, PAD, UNK, CnnScorer, piece_ids

PIECES = ["[PAD]", "[UNK]", "the", "tax", "rose", "by", "0", "percent", ".", ",", "check",
          "##worth", "##y"]
DIM, FILTERS, WIDTHS = 5, 4, (1, 2, 3)


def _write(path, seed=0, fmt="newswire-checkworthy-cnn-1"):
    rng = np.random.default_rng(seed)
    emb = rng.normal(size=(len(PIECES), DIM)).astype(np.float16)
    emb[PAD] = 0
    arrays: dict[str, Any] = {"format": np.array(fmt), "pieces": np.array(PIECES), "emb": emb,
              "widths": np.array(WIDTHS),
              "out_w": rng.normal(size=FILTERS * len(WIDTHS)).astype(np.float32),
              "out_b": np.array(0.3)}
    for k in WIDTHS:
        arrays[f"conv{k}_w"] = rng.normal(size=(k, DIM, FILTERS)).astype(np.float32)
        arrays[f"conv{k}_b"] = rng.normal(size=FILTERS).astype(np.float32)
    np.savez(path, **arrays)
    return arrays


def _reference(arrays, ids: list[int]) -> float:
    """Convolution written out: windows of each width over the sentence, zero-padded up to the
    width when the sentence is shorter; ReLU; max; linear."""
    emb = arrays["emb"].astype(np.float32)
    x = emb[ids + [PAD] * max(0, max(WIDTHS) - len(ids))]
    feats = []
    for k in WIDTHS:
        w, b = arrays[f"conv{k}_w"], arrays[f"conv{k}_b"]
        windows = range(max(len(ids) - k + 1, 1))
        feats += list(np.max([np.maximum(sum(x[t + j] @ w[j] for j in range(k)) + b, 0)
                              for t in windows], axis=0))
    return float(np.array(feats) @ arrays["out_w"] + arrays["out_b"])


def test_piece_ids_split_words_keep_punctuation_and_cap_length():
    index = {p: i for i, p in enumerate(PIECES)}
    assert piece_ids("The tax rose, checkworthy!", index) == [2, 3, 4, 9, 10, 11, 12, UNK]
    assert piece_ids("", index) == []
    assert len(piece_ids("tax " * 500, index)) == MAX_PIECES


def test_logits_match_a_direct_convolution_whatever_the_batch(tmp_path):
    arrays = _write(tmp_path / "m.npz")
    m = CnnScorer(tmp_path / "m.npz")
    texts = ["The tax rose by 0 percent.", "tax", "The tax", "checkworthy , the tax rose " * 5,
             "zebra"]
    alone = [m.logits([t])[0] for t in texts]
    batch = m.logits(texts)
    want = [_reference(arrays, piece_ids(t, m.index) or [UNK]) for t in texts]
    assert np.allclose(batch, want, atol=1e-4)
    assert np.allclose(alone, want, atol=1e-4)  # padding in a batch changes nothing
    assert m.logits([]) == []
    assert len(m.logits(["The tax rose."] * 300)) == 300  # more than one internal batch


def test_unknown_format_is_refused(tmp_path):
    _write(tmp_path / "m.npz", fmt="something-else")
    with pytest.raises(ValueError, match="format"):
        CnnScorer(tmp_path / "m.npz")
