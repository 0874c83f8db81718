"""Language of the text, by py3langid (its model ships inside the package: no download)."""

from __future__ import annotations

__all__ = ["detect_language"]

MIN_WORDS = 15
_SAMPLE_CHARS = 1500


def detect_language(text: str, declared: str | None) -> str | None:
    """ISO 639-1 code of ``text``; the page's declared language when the text is too short."""
    if len(text.split()) < MIN_WORDS:
        return declared
    import py3langid

    code, _ = py3langid.classify(text[:_SAMPLE_CHARS])
    return code or declared

