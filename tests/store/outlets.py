"""Three small news outlets for the cross-outlet tests, each served on its own loopback host
(127.0.0.1, 127.0.0.2, 127.0.0.3 are different hosts, so different registrable "domains"):

- the Harbour Gazette and the Coast Courier report the same story independently and both
  quote the transport commissioner's promise (the Courier trims the quote and names her
  differently), which is corroboration;
- the Wire Reprint republishes the Gazette's text word for word under its own masthead,
  which is a syndicated copy, not corroboration.
"""

from __future__ import annotations

import html

from aiohttp import web

__all__ = ["COURIER", "GAZETTE", "REPRINT", "SHARED_QUOTE", "Outlet", "outlet_app"]

SHARED_QUOTE = "We promised the bridge would be safe before it carried a single car again"


class Outlet:
    def __init__(self, name: str, slug: str, title: str, paragraphs: tuple[str, ...]) -> None:
        self.name, self.slug, self.title, self.paragraphs = name, slug, title, paragraphs

    @property
    def path(self) -> str:
        return f"/news/{self.slug}"


_GAZETTE_BODY = (
    "The Old Harbour Bridge reopened to traffic on Monday, two years after engineers found "
    "corrosion in its main cables and closed it to all vehicles.",
    f'"{SHARED_QUOTE}, and it is," said Transport Commissioner Anna Berg at the opening '
    "ceremony.",
    "The repair cost 48 million euros, about 9 million more than the city budgeted, according "
    "to figures published by the transport department.",
    "The department expects about 22,000 vehicles to cross the bridge each day once the "
    "approach roads are finished later this summer.",
)

GAZETTE = Outlet("The Harbour Gazette", "bridge-reopens",
                 "Harbour bridge reopens after two-year repair", _GAZETTE_BODY)
COURIER = Outlet("The Coast Courier", "drivers-return-to-harbour-bridge",
                 "Drivers return to the harbour bridge at dawn", (
                     "Drivers queued from dawn on Monday to be among the first across the Old "
                     "Harbour Bridge, which had been shut for two years of repairs.",
                     "Anna Berg, the city's transport commissioner, cut the ribbon shortly "
                     f'after eight. "{SHARED_QUOTE}," Berg told the crowd.',
                     "Shop owners on the north bank said business had suffered badly during "
                     "the closure.",
                 ))
REPRINT = Outlet("Wire Reprint", "harbour-bridge-open-again",
                 "Bridge open again (wire)", _GAZETTE_BODY)


def _page(outlet: Outlet, base: str) -> str:
    e = html.escape
    body = "\n".join(f"<p>{e(p)}</p>" for p in outlet.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(outlet.title)} | {e(outlet.name)}</title>
<link rel="canonical" href="{e(base + outlet.path)}">
<meta property="og:site_name" content="{e(outlet.name)}">
<meta property="article:published_time" content="2026-03-16T08:00:00Z">
</head><body>
<header><nav><a href="/">{e(outlet.name)}</a> <a href="/local">Local</a>
<a href="/sport">Sport</a></nav></header>
<main><article><h1>{e(outlet.title)}</h1>
{body}
</article></main>
<footer><p>&copy; 2026 {e(outlet.name)}</p> <a href="/privacy">Privacy</a></footer>
</body></html>"""


def outlet_app(outlet: Outlet) -> web.Application:
    """One outlet: its article at ``outlet.path``, 404 for anything else."""

    async def article(request: web.Request) -> web.Response:
        base = f"{request.scheme}://{request.host}"
        return web.Response(text=_page(outlet, base), content_type="text/html")

    app = web.Application()
    app.router.add_get(outlet.path, article)
    return app
