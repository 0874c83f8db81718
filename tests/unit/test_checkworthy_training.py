"""The pure-Python parts of the check-worthiness training recipe (scripts/checkworthy_teacher.py).

The teacher and the student need torch and scikit-learn, which only the training environment
has; the transfer set they are fitted on is built here, and must be deterministic and keep
track of which gold sentence each copy came from (the calibration folds rely on it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from checkworthy_teacher import augment, news_sentences

GOLD = [
    "Unemployment fell to 4 percent in 2019, the lowest rate in fifty years.",
    "Thank you.",
    "We passed the largest tax cut in American history and wages rose by 3 percent.",
]


def test_augment_is_deterministic_and_tracks_its_source():
    a = augment(GOLD, seed=13)
    assert a == augment(GOLD, seed=13)
    assert a != augment(GOLD, seed=14)
    sources = {i for i, _ in a}
    assert sources == {0, 2}  # "Thank you." has fewer than 3 words: no copies
    assert sum(1 for i, _ in a if i == 0) == 10
    vocab = {w for t in GOLD for w in t.split()}
    for i, text in a:
        words = text.split()
        assert words and set(words) <= vocab  # dropped, swapped or cut; never invented
        assert text != "" and len(words) <= len(GOLD[i].split())


def test_news_sentences_reads_text_folders_and_ground_truth_files(tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text(
        "The mayor said taxes rose. Yes.\nIt rained on Monday in Boston.")
    (tmp_path / "ground-truth.json").write_text(json.dumps(
        {"p1": {"articleBody": "Officials counted 120 ballots on Tuesday night."}, "p2": {}}))
    got = news_sentences([str(tmp_path / "texts"), str(tmp_path / "ground-truth.json")])
    # "Yes." is under 3 words; sorted, unique
    assert got == ["It rained on Monday in Boston.",
                   "Officials counted 120 ballots on Tuesday night.",
                   "The mayor said taxes rose."]
