"""What runs inside the parser processes. Plain functions of plain data (picklable)."""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Any

from newswire.errors import MalformedEvent, TooLarge

__all__ = ["claims_for_text", "extract_page", "ping", "warm_up"]

MAX_HTML_BYTES = 10 * 1024 * 1024


def _inflate(html_z: str) -> bytes:
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(base64.b64decode(html_z), MAX_HTML_BYTES + 1)
    except (ValueError, zlib.error) as exc:
        raise MalformedEvent(f"page body is not zlib+base64: {exc}") from None
    if len(data) > MAX_HTML_BYTES or inflater.unconsumed_tail:
        raise TooLarge(f"page HTML inflates past {MAX_HTML_BYTES} bytes")
    return data


def extract_page(html_z: str, url: str) -> dict[str, Any]:
    """Inflate the page and extract the article: the dict of ExtractedArticle plus the
    content hash. Raises newswire errors only."""
    from services.extract.extraction import extract_article

    article = extract_article(_inflate(html_z), url)
    out = article.to_dict()
    out["content_hash"] = hashlib.sha256(article.text.encode("utf-8")).hexdigest()
    return out


def claims_for_text(text: str, budget: float) -> tuple[list[dict[str, Any]], bool]:
    from services.extract.claims import find_claims

    result = find_claims(text, budget_seconds=budget)
    return [c.to_dict() for c in result.claims], result.partial


def warm_up(claims: bool) -> None:
    """Import the heavy modules (and load models) once per worker, before the first page."""
    from services.extract.extraction import warm_up as extraction_warm_up

    extraction_warm_up()

    if claims:
        from services.extract.claims import warm_up as claims_warm_up

        claims_warm_up()


def ping() -> bool:
    """Proves a worker started (its warm-up ran) before the service takes records."""
    return True
