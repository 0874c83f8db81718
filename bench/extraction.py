"""Extraction speed and quality vs plain trafilatura, page by page in turn (so machine load
hits both alike), through the pipeline's real extraction path (extract_article)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import trafilatura

from bench.pipeline import load_pages
from newswire.errors import NewswireError
from services.extract.extraction import extract_article
from services.extract.extraction import warm_up as extraction_warm_up
from services.extract.extraction.metric import score_documents

__all__ = ["run"]


def run(folder: Path, rounds: int = 3) -> dict[str, Any]:
    pages, truth = load_pages(folder)
    extraction_warm_up()
    ours_t = plain_t = 0.0
    ours: dict[str, str] = {}
    plain: dict[str, str] = {}
    for _ in range(rounds):
        for pid, html in pages.items():
            t0 = time.perf_counter()
            try:
                ours[pid] = extract_article(html).text
            except NewswireError:
                ours[pid] = ""
            t1 = time.perf_counter()
            plain[pid] = trafilatura.extract(html) or ""
            t2 = time.perf_counter()
            ours_t += t1 - t0
            plain_t += t2 - t1
    n = len(pages) * rounds
    ours_s = score_documents((truth[p], ours[p]) for p in pages)
    plain_s = score_documents((truth[p], plain[p]) for p in pages)
    return {
        "pages": len(pages), "rounds": rounds,
        "newswire": {"ms_per_page": round(ours_t / n * 1000, 2), "f1": round(ours_s.f1, 4),
                     "precision": round(ours_s.precision, 4), "recall": round(ours_s.recall, 4)},
        "trafilatura": {"ms_per_page": round(plain_t / n * 1000, 2), "f1": round(plain_s.f1, 4)},
        "time_ratio_vs_trafilatura": round(ours_t / plain_t, 3),
    }
