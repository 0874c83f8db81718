"""URL canonicalisation, article ids and partition keys.

The same canonicalisation is applied when a URL is submitted, when a page is stored and when
the API is queried, so any spelling of a URL (tracking parameters, host case, default port,
fragment) finds the same article.
"""

from __future__ import annotations

import hashlib
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from tld import get_fld

from newswire.errors import InvalidUrl

__all__ = ["article_id", "canonicalize", "control_character", "domain_key", "same_site",
           "validate_url"]

_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "__hs", "_hs")
_TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "twclid", "igshid", "mc_cid",
    "mc_eid", "_ga", "_gl", "ocid", "cmpid", "icid", "ncid", "ito", "wt.mc_id", "s_cid",
    "rss", "smid", "cid", "spm", "ref_src", "ref_url", "share", "at_medium", "at_campaign",
})
_DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 4096


def control_character(text: str) -> str | None:
    """The first control character in ``text`` (NUL, ESC, DEL...), escaped; None if none."""
    found = next((ch for ch in text if unicodedata.category(ch) == "Cc"), None)
    return None if found is None else ascii(found)


def validate_url(url: str) -> str:
    """Return the stripped URL or raise InvalidUrl with a message a person can act on."""
    url = url.strip()
    if not url:
        raise InvalidUrl("empty URL")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidUrl(f"URL longer than {MAX_URL_LENGTH} characters")
    control = control_character(url)
    if control is not None:  # NUL, escapes, DEL...: never part of a URL, unsafe to store
        raise InvalidUrl(f"URL contains a control character ({control})")
    if any(ch.isspace() for ch in url):
        raise InvalidUrl(f"URL contains whitespace: {url!r}")
    if any(unicodedata.category(ch) == "Cc" for ch in url):
        raise InvalidUrl(f"URL contains a control character: {url!r}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidUrl(f"cannot parse {url!r}: {exc}") from None
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise InvalidUrl(f"not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise InvalidUrl(f"URL has no host: {url!r}")
    if port == 0:
        raise InvalidUrl(f"invalid port in {url!r}")
    return url


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def canonicalize(url: str) -> str:
    """Normalise a URL: lower-case scheme and host, IDNA host, no default port, no fragment,
    no tracking parameters, remaining query parameters sorted, path percent-encoding
    normalised. Raises InvalidUrl for anything that is not an http(s) URL."""
    parts = urlsplit(validate_url(url))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError as exc:
        raise InvalidUrl(f"invalid host in {url!r}: {exc}") from None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~%") or "/"
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
               if not _is_tracking(k)),
        doseq=True,
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def article_id(canonical_url: str) -> str:
    """Stable id of an article: a hash of its canonical URL (32 hex characters)."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]


def domain_key(url: str) -> str:
    """Partition key for URL topics: the registrable domain ("www.bbc.co.uk" -> "bbc.co.uk"),
    so one site's URLs land on one partition and one worker (per-domain politeness)."""
    host = (urlsplit(url).hostname or "").lower()
    fld = get_fld(host, fix_protocol=True, fail_silently=True)
    return str(fld) if fld else host


def warm_up() -> None:
    """Load the public-suffix list domain_key() needs (the tld package loads it lazily)."""
    domain_key("https://www.example.co.uk/")


def same_site(a: str, b: str) -> bool:
    """True when two URLs share a registrable domain (used to trust rel=canonical)."""
    return domain_key(a) == domain_key(b)
