"""The shipped check-worthiness scorer: API, bounds, cost guards and the feature helpers."""

from __future__ import annotations

import json
import time

import pytest

from services.extract.claims import checkworthy
from services.extract.claims.checkworthy import (
    MODEL_PATH,
    CheckworthyModel,
    char_grams,
    load_model,
    score_checkworthiness,
    shape_grams,
    statement_type,
    word_grams,
)
from services.extract.claims.wordpiece import tokens, wordpieces


def test_model_files_are_small_and_of_the_current_format():
    assert MODEL_PATH.stat().st_size < 5_000_000
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert data["format"] == "newswire-checkworthy-2"
    assert data["calibration"]["slope"] > 0
    cnn = MODEL_PATH.with_name(data["cnn"]["file"])
    assert cnn.stat().st_size < 5_000_000 and 0 < data["cnn"]["weight"] < 1
    assert load_model().cnn is not None


def test_batch_scores_equal_one_by_one_scores():
    texts = ["Unemployment fell to 4.9 percent in 2016.", "", "Thank you very much.",
             "We spent $2 billion on roads, more than any state in the nation."]
    m = load_model()
    # float32 sums in another order
    assert m.scores(texts) == pytest.approx([m.score(t) for t in texts], abs=1e-6)


def test_empty_and_blank_texts_score_zero():
    assert score_checkworthiness(["", "   \n\t"]) == [0.0, 0.0]
    assert load_model().score("") == 0.0


def test_scores_are_probabilities_rounded_to_four_places():
    texts = ["Unemployment fell to 4.9 percent in 2016.", "Thank you very much.", "?!", "x" * 50,
             "ünïcödé wörds"]
    for s in score_checkworthiness(texts):
        assert 0.0 <= s <= 1.0
        assert s == round(s, 4)


def test_factual_claim_above_threshold_and_chatter_below():
    claim, chatter = score_checkworthiness([
        "We have lost 700,000 manufacturing jobs since the bill was signed in 2009.",
        "Thank you, it is great to be here tonight.",
    ])
    assert claim > 0.5 > chatter


def test_huge_text_is_scored_in_bounded_time():
    text = "The deficit grew by 3 percent last year, the senator said. " * 90_000  # ~5 MB
    t0 = time.perf_counter()
    s = load_model().score(text)
    assert time.perf_counter() - t0 < 1.0
    assert 0.0 <= s <= 1.0


def test_word_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(checkworthy, "_CACHE_MAX", 5)
    m = CheckworthyModel(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
    m.score(" ".join(f"word{i}" for i in range(40)))
    assert len(m._words) <= 5
    before = m.score("Taxes rose by 10 percent.")
    m._words.clear()
    assert m.score("Taxes rose by 10 percent.") == before


def test_feature_helpers():
    toks = tokens("In 2012, Obama's plan cut taxes by 3%.")
    assert toks[:4] == ["In", "2012", ",", "Obama"]
    wg = word_grams(toks)
    assert wg["0000"] == 1 and wg["in 0000 obama"] == 1  # digits masked, punctuation skipped
    sg = shape_grams(toks, {"in", "by", ","})
    assert sg["<s> in <D>"] == 1 and sg["<D> , <C>"] == 1
    assert char_grams("a1")[" a00 "] == 0 and char_grams("a1")[" a0 "] == 1
    vocab = {"check", "##worth", "##iness", "obama", "##care"}
    assert wordpieces("checkworthiness", vocab) == ["check", "##worth", "##iness"]
    assert wordpieces("obamacare", vocab) == ["obama", "##care"]
    assert wordpieces("zzz", vocab) == ["[UNK]"]
    assert wordpieces("é" * 101, vocab) == ["[UNK]"]


def test_statement_type_unchanged():
    assert statement_type("We spent $3 billion.") == "quantity"
    assert statement_type("Crime is higher than ever.") == "comparison"
    assert statement_type("Prices went up because of the tariff.") == "causal"
    assert statement_type("The Senate voted against it.") == "event"
    assert statement_type("Hello there.") == "other"
