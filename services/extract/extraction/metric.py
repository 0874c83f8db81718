"""The article-extraction-benchmark metric (scrapinghub/article-extraction-benchmark).

Tokens are ``\\w+`` matches (case kept). Each document's word 4-grams are counted as a multiset
in the truth and in the output; tp = shared 4-grams, fp = extra in the output, fn = missing from
the output. tp/fp/fn are divided by their sum so that long articles do not weigh more. Precision
is the mean of tp/(tp+fp) over documents with tp+fp > 0, recall the mean of tp/(tp+fn) over
documents with tp+fn > 0; a document whose fp and fn are both 0 scores 1. F1 comes from the two
averages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["DocScore", "Scores", "document_score", "score_documents", "shingles"]

_TOKEN = re.compile(r"\w+")
NGRAM = 4


def shingles(text: str, n: int = NGRAM) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True, slots=True)
class DocScore:
    tp: float  # normalised so that tp + fp + fn == 1
    fp: float
    fn: float

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp > 0 else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn > 0 else None

    @property
    def f1(self) -> float:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    f1: float
    documents: int


def document_score(truth: str, predicted: str) -> DocScore:
    t, p = shingles(truth), shingles(predicted)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    if fp == 0 and fn == 0:
        return DocScore(1.0, 0.0, 0.0)
    total = tp + fp + fn
    return DocScore(tp / total, fp / total, fn / total)


def score_documents(pairs: Iterable[tuple[str, str]]) -> Scores:
    """Score (truth, predicted) pairs with the benchmark's metric."""
    docs = [document_score(t, p) for t, p in pairs]
    precisions = [d.precision for d in docs if d.precision is not None]
    recalls = [d.recall for d in docs if d.recall is not None]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return Scores(precision, recall, f1, len(docs))
