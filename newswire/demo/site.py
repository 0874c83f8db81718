"""A small news site served on loopback, with sample articles written for this project.

Used by `make run` (the demo) and by the integration tests. Pages carry the boilerplate real
news pages have (navigation, share buttons, related links, footer) so extraction has work to do.
"""

from __future__ import annotations

import gzip
import html
from dataclasses import dataclass

from aiohttp import web

__all__ = ["ARTICLES", "DemoArticle", "render_article", "site_app"]


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    title: str
    author: str
    published: str
    paragraphs: tuple[str, ...]


ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle(
        "harbour-bridge-reopens", "Harbour bridge reopens after two-year repair",
        "Maria Lindqvist", "2026-03-14",
        ("The Old Harbour Bridge reopened to traffic on Monday, two years after engineers "
         "found corrosion in its main cables and closed it to all vehicles.",
         "The repair cost 48 million euros, about 9 million more than the city budgeted in "
         "2024, according to figures published by the transport department.",
         "\"We promised the bridge would be safe before it carried a single car again, and "
         "it is,\" said Transport Commissioner Anna Berg at the opening ceremony.",
         "Berg added that traffic on the bypass had fallen by 30 percent since the morning.",
         "Local shop owners said the closure had cost them customers. \"Half of my regulars "
         "simply stopped coming,\" said Tomas Eriksson, who runs a bakery near the bridge.",
         "The department expects about 22,000 vehicles to cross the bridge each day.")),
    DemoArticle(
        "rainfall-record", "Wettest spring on record floods farmland in the north",
        "Daniel Okafor", "2026-04-02",
        ("More rain fell in the northern provinces this spring than in any spring since "
         "records began in 1871, the national weather service said on Tuesday.",
         "Rain gauges in the region measured 412 millimetres between March and May, more than "
         "twice the long-term average.",
         "\"The soil simply cannot take any more water,\" said Ines Moreau, a hydrologist at "
         "the weather service. She warned that river levels would stay high for weeks.",
         "Farmers' groups estimate that 15,000 hectares of farmland are under water.",
         "The agriculture minister, Paul Henriksen, told reporters that emergency payments "
         "would reach affected farms within a month.")),
    DemoArticle(
        "library-opening-hours", "City libraries to open on Sundays from June",
        "Sofia Marini", "2026-05-20",
        ("All twelve public libraries in the city will open on Sundays from the first of "
         "June, the council announced on Wednesday.",
         "The change follows a survey in which 64 percent of residents asked for weekend "
         "opening hours.",
         "\"Libraries are the living rooms of our city, and living rooms should be open when "
         "people are free,\" said council member Jonas Weber.",
         "The extra hours will cost 1.2 million euros a year and create 40 part-time jobs, "
         "according to the council.")),
    DemoArticle(
        "startup-funding", "Battery startup raises 120 million to build its first factory",
        "Lena Fischer", "2026-06-08",
        ("Voltaro, a battery startup founded in 2022, has raised 120 million dollars to build "
         "its first factory, the company said on Thursday.",
         "Chief executive Ravi Menon said the plant would produce enough cells for 50,000 "
         "electric cars a year once it reaches full capacity in 2028.",
         "\"Europe imports most of its battery cells today. We want to change that,\" Menon "
         "said in an interview. He added that the factory would employ about 800 people.",
         "Analysts were more cautious. \"Building a battery factory is far harder than "
         "designing a battery,\" said Clara Jensen, an analyst at Nordbank.")),
    DemoArticle(
        "marathon-results", "Kenyan runner breaks course record at city marathon",
        "Peter Novak", "2026-09-27",
        ("Grace Wanjiru of Kenya won the city marathon on Sunday in 2 hours 18 minutes and "
         "4 seconds, breaking the course record by more than a minute.",
         "About 14,000 runners started the race, the organisers said, a thousand more than "
         "last year.",
         "\"I felt strong from the first kilometre,\" Wanjiru said after crossing the line. "
         "\"The crowd carried me through the last hill.\"",
         "The men's race was won by Ethiopia's Abebe Tesfaye in 2 hours 6 minutes.")),
    DemoArticle(
        "school-meals", "Free school meals extended to all primary pupils",
        "Hannah Clarke", "2026-10-11",
        ("Every primary school pupil in the region will receive a free lunch from January, "
         "the regional government said on Friday.",
         "The programme will reach 180,000 children and cost 95 million euros a year.",
         "Education minister Karin Dahl said the policy would improve concentration in "
         "class. \"Hungry children cannot learn,\" she said.",
         "The opposition said the plan was underfunded. Its spokesman, Erik Lund, said "
         "that the budget ignored rising food prices.")),
)

_BOILERPLATE_TOP = """<header><nav><a href="/">Home</a> <a href="/world">World</a>
<a href="/business">Business</a> <a href="/sport">Sport</a> <a href="/login">Sign in</a></nav>
</header>"""
_BOILERPLATE_BOTTOM = """<div class="share">Share on Facebook Share on X Copy link</div>
<aside class="related"><h3>Related</h3><ul><li><a href="/a">Council votes on new budget</a></li>
<li><a href="/b">Weather: sunny spells ahead</a></li></ul></aside>
<div class="newsletter">Sign up for our morning newsletter to get the news first.</div>
<footer><p>&copy; 2026 The Demo Gazette. All rights reserved.</p>
<a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer>"""


def render_article(article: DemoArticle, base_url: str = "") -> str:
    e = html.escape
    body = "\n".join(f"<p>{e(p)}</p>" for p in article.paragraphs)
    canonical = f"{base_url}/news/{article.slug}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{e(article.title)} | The Demo Gazette</title>
<link rel="canonical" href="{e(canonical)}">
<meta property="og:site_name" content="The Demo Gazette">
<meta name="author" content="{e(article.author)}">
<meta property="article:published_time" content="{article.published}T08:00:00Z">
</head><body>
{_BOILERPLATE_TOP}
<main><article>
<h1>{e(article.title)}</h1>
<p class="byline">By {e(article.author)}, {article.published}</p>
{body}
</article></main>
{_BOILERPLATE_BOTTOM}
</body></html>"""


def site_app() -> web.Application:
    """The demo site: /news/<slug> articles, /index.html listing them, a PDF that is not
    HTML, a page with no article text, and 404 for anything else."""
    by_slug = {a.slug: a for a in ARTICLES}

    async def article(request: web.Request) -> web.Response:
        a = by_slug.get(request.match_info["slug"])
        if a is None:
            raise web.HTTPNotFound(text="no such article")
        base = f"{request.scheme}://{request.host}"
        page = render_article(a, base).encode()
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            return web.Response(body=gzip.compress(page), content_type="text/html",
                                charset="utf-8", headers={"Content-Encoding": "gzip"})
        return web.Response(body=page, content_type="text/html", charset="utf-8")

    async def index(request: web.Request) -> web.Response:
        links = "".join(f'<li><a href="/news/{a.slug}">{html.escape(a.title)}</a></li>'
                        for a in ARTICLES)
        return web.Response(text=f"<html><body><ul>{links}</ul></body></html>",
                            content_type="text/html")

    async def pdf(_: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.4 not a web page", content_type="application/pdf")

    async def empty(_: web.Request) -> web.Response:
        return web.Response(text="<html><head><title>Photos</title></head><body>"
                            "<img src='a.jpg'></body></html>", content_type="text/html")

    app = web.Application()
    app.add_routes([web.get("/news/{slug}", article), web.get("/", index),
                    web.get("/index.html", index), web.get("/report.pdf", pdf),
                    web.get("/gallery", empty)])
    return app
