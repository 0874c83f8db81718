"""Tokens shared by the check-worthiness models: word and punctuation tokens, and the
BERT-uncased wordpieces the CNN embeds. Both the linear model (checkworthy.py) and the CNN
(cnn.py) import them from here, so neither imports the other for them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

__all__ = ["MAX_CHARS", "is_word", "tokens", "wordpieces"]

MAX_CHARS = 2_000  # a longer text is scored on its first 2,000 characters (bounded time)
_TOK = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> list[str]:
    """Word and punctuation tokens (original case)."""
    return _TOK.findall(text)


def is_word(tok: str) -> bool:
    return tok[0].isalnum() or tok[0] == "_"


def wordpieces(word: str, vocab: Container[str], max_chars: int = 100) -> list[str]:
    """BERT-uncased wordpieces of one lower-cased word (accents stripped, greedy longest match)."""
    w = "".join(ch for ch in unicodedata.normalize("NFD", word) if unicodedata.category(ch) != "Mn")
    if not w:
        return []
    if len(w) > max_chars:
        return ["[UNK]"]
    out: list[str] = []
    start = 0
    while start < len(w):
        end = len(w)
        cur = None
        while start < end:
            sub = w[start:end] if start == 0 else "##" + w[start:end]
            if sub in vocab:
                cur = sub
                break
            end -= 1
        if cur is None:
            return ["[UNK]"]
        out.append(cur)
        start = end
    return out
