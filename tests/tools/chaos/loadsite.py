"""A load site: ~1,000 distinct small news articles, generated deterministically from a seed,
served by aiohttp on one or more loopback addresses.

Every article has a headline, a byline, a date, four to seven paragraphs and quotes with a
named speaker and a speech verb, so the claims stage has real work; boilerplate (navigation,
share links, newsletter prompt, footer) gives extraction something to remove.
"""

from __future__ import annotations

import gzip
import html
import random
from dataclasses import dataclass

from aiohttp import web

__all__ = ["LoadArticle", "articles", "load_app", "render"]

_FIRST = ("Anna", "Ravi", "Grace", "Tomas", "Ines", "Jonas", "Clara", "Paul", "Mei", "Omar",
          "Lena", "Daniel", "Sofia", "Kwame", "Hannah", "Marco", "Aisha", "Pieter", "Yuki",
          "Elena")
_LAST = ("Berg", "Menon", "Wanjiru", "Eriksson", "Moreau", "Weber", "Jensen", "Henriksen",
         "Chen", "Haddad", "Fischer", "Okafor", "Marini", "Mensah", "Clarke", "Rossi", "Bello",
         "de Vries", "Tanaka", "Petrova")
_ROLES = ("the mayor", "a council member", "the finance minister", "a spokesperson for the "
          "ministry", "an economist at Nordbank", "the chief executive", "a union leader",
          "a hydrologist at the weather service", "the head of the hospital", "a local teacher")
_TOPICS = (
    ("bridge", "The {place} bridge reopened to traffic on {day} after a repair that cost "
               "{n} million euros."),
    ("budget", "The {place} council approved a budget of {n} million euros on {day}, "
               "{m} percent more than last year."),
    ("flood", "Rivers in {place} rose to their highest level in {n} years on {day}, "
              "the weather service said."),
    ("factory", "A battery maker will build a factory near {place} employing {n} hundred "
                "people, the company said on {day}."),
    ("school", "Every primary school in {place} will serve free lunches from {day}, "
               "at a cost of {n} million euros a year."),
    ("transit", "Trams in {place} will run every {m} minutes from {day}, the transport "
                "authority announced."),
    ("hospital", "The new hospital in {place} opened its emergency ward on {day} with "
                 "{n} beds."),
    ("harvest", "Farmers around {place} expect a harvest {m} percent smaller than last year, "
                "their association said on {day}."),
)
_PLACES = ("Northport", "Lakeside", "Old Harbour", "Riverton", "Eastfield", "Hillcrest",
           "Westmarch", "Southbay", "Greenvale", "Stonebridge", "Fairhaven", "Millbrook")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_VERBS = ("said", "told reporters", "added", "warned", "said in a statement")
_QUOTES = (
    "We promised this would be done properly, and it has been",
    "Nobody expected the costs to rise this quickly",
    "The numbers speak for themselves",
    "This is the most important decision the city has made in a decade",
    "We will not stop until every family has been helped",
    "Half of my customers simply stopped coming",
    "The soil simply cannot take any more water",
    "It is far harder to build than to design",
    "People deserve services that are open when they are free",
    "We have learned from the mistakes of the past",
)
_FILLER = (
    "Officials said the figures would be reviewed again at the end of the year.",
    "The plan was first proposed {m} years ago but was delayed twice by legal challenges.",
    "Residents interviewed on {day} gave mixed reactions to the announcement.",
    "Critics argued that the money could have been spent on housing instead.",
    "About {n} thousand people live in the affected area, according to the latest census.",
    "The opposition said it would ask for an independent audit of the project.",
    "Similar schemes in neighbouring regions have cut costs by {m} percent.",
)


@dataclass(frozen=True, slots=True)
class LoadArticle:
    slug: str
    title: str
    author: str
    published: str
    paragraphs: tuple[str, ...]


def _article(i: int, seed: int) -> LoadArticle:
    rng = random.Random(seed * 1_000_003 + i)
    topic, lead = _TOPICS[rng.randrange(len(_TOPICS))]
    place = rng.choice(_PLACES)
    fill = {"place": place, "day": rng.choice(_DAYS), "n": rng.randint(2, 99),
            "m": rng.randint(2, 40)}
    paragraphs = [lead.format(**fill) + f" (Report {i}.)"]
    for _ in range(rng.randint(3, 6)):
        if rng.random() < 0.5:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            quote = rng.choice(_QUOTES)
            if rng.random() < 0.5:
                paragraphs.append(f"\u201c{quote},\u201d {rng.choice(_VERBS)} {name}, "
                                  f"{rng.choice(_ROLES)}.")
            else:
                paragraphs.append(f"{name}, {rng.choice(_ROLES)}, said: \"{quote}.\"")
        else:
            fill["m"], fill["n"] = rng.randint(2, 40), rng.randint(2, 99)
            paragraphs.append(rng.choice(_FILLER).format(**fill))
    title = f"{place}: {topic} story number {i}"
    author = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    published = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return LoadArticle(f"story-{i:05d}", title, author, published, tuple(paragraphs))


def articles(n: int, seed: int = 8) -> list[LoadArticle]:
    """``n`` distinct articles; the same seed always gives the same text."""
    return [_article(i, seed) for i in range(n)]


def render(article: LoadArticle, base_url: str) -> str:
    e = html.escape
    body = "\n".join(f"<p>{e(p)}</p>" for p in article.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{e(article.title)} | The Load Courier</title>
<link rel="canonical" href="{e(base_url)}/news/{article.slug}">
<meta property="og:site_name" content="The Load Courier">
<meta name="author" content="{e(article.author)}">
<meta property="article:published_time" content="{article.published}T08:00:00Z">
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/login">Sign in</a></nav>
</header>
<main><article><h1>{e(article.title)}</h1>
<p class="byline">By {e(article.author)}, {article.published}</p>
{body}
</article></main>
<div class="share">Share on Facebook Share on X Copy link</div>
<div class="newsletter">Sign up for our morning newsletter to get the news first.</div>
<footer><p>&copy; 2026 The Load Courier.</p></footer>
</body></html>"""


def load_app(items: list[LoadArticle]) -> web.Application:
    """``/news/<slug>`` for every article (gzip when asked), ``/robots.txt`` allowing all."""
    by_slug = {a.slug: a for a in items}

    async def page(request: web.Request) -> web.Response:
        a = by_slug.get(request.match_info["slug"])
        if a is None:
            raise web.HTTPNotFound(text="no such article")
        body = render(a, f"{request.scheme}://{request.host}").encode()
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            return web.Response(body=gzip.compress(body, 1), content_type="text/html",
                                charset="utf-8", headers={"Content-Encoding": "gzip"})
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    async def robots(_: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nAllow: /\n", content_type="text/plain")

    app = web.Application()
    app.add_routes([web.get("/news/{slug}", page), web.get("/robots.txt", robots)])
    return app
