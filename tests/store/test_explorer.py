"""The web explorer in a real headless Chromium, over a real pipeline run that holds three
outlets' articles on one story: pages render the stored data, links navigate (list -> article
-> speaker -> story), search finds the right article, new articles appear live, and the pages
work at phone width and from the keyboard. Screenshots go to test-output/explorer/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from newswire.urls import article_id, canonicalize, domain_key
from tests.conftest import Pipeline, running_pipeline
from tests.store.browser import Browser
from tests.store.outlets import COURIER, GAZETTE, REPRINT, SHARED_QUOTE

pytestmark = pytest.mark.integration

PHONE = (390, 844)
DESKTOP = (1280, 900)


@pytest.fixture(scope="module")
def pipe(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """A pipeline of its own (SQLite), so no other test's articles join the story."""
    with running_pipeline(broker, tmp_path_factory.mktemp("explorer-pipeline")) as pipe:
        yield pipe


@pytest.fixture(scope="module")
def story(pipe: Pipeline, outlets: dict[str, str]) -> dict[str, str]:
    """The three outlets stored (the reprint after its original); slug -> article id."""
    pipe.submit(outlets[GAZETTE.slug], outlets[COURIER.slug])
    for slug in (GAZETTE.slug, COURIER.slug):
        assert pipe.wait_for(outlets[slug])["status"] == "ok"
    pipe.submit(outlets[REPRINT.slug])
    assert pipe.wait_for(outlets[REPRINT.slug])["status"] == "ok"
    return {slug: article_id(canonicalize(url)) for slug, url in outlets.items()}


@pytest.fixture(scope="module")
def shots(pytestconfig: pytest.Config) -> Path:
    path = pytestconfig.rootpath / "test-output" / "explorer"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chromium = Browser(tmp_path_factory.mktemp("chromium") / "profile")
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Browser]:
    """The browser at desktop size; no script error may happen during the test."""
    browser.viewport(*DESKTOP)
    browser.errors.clear()
    yield browser
    assert browser.errors == []


def _js(value: object) -> str:
    return orjson.dumps(value).decode()


def _ids(page: Browser, selector: str) -> list[str]:
    return list(page.eval(f"[...document.querySelectorAll({_js(selector)})]"
                          ".map(e => e.dataset.id)"))


def test_list_article_speaker_story_and_live_updates(
        page: Browser, pipe: Pipeline, story: dict[str, str], news_site: str,
        shots: Path) -> None:
    page.goto(f"{pipe.api}/")
    page.wait_route("articles")
    listed = _ids(page, "#article-list > li")
    assert set(story.values()) <= set(listed)
    # live: an article stored while the page is open appears at the top without a reload
    live_url = f"{news_site}/news/marathon-results"
    pipe.submit(live_url)
    live_id = pipe.wait_for(live_url)["id"]
    page.wait_for(f"document.querySelector('#article-list > li.new[data-id={_js(live_id)}]')",
                  timeout=10)
    assert _ids(page, "#article-list > li")[0] == live_id
    assert page.eval("document.getElementById('announce').textContent") == "1 new article"
    page.screenshot(shots / "articles-desktop.png")

    # list -> article: the claims are highlighted in the text, with speaker and score
    page.click(f"#article-list > li[data-id={_js(story[GAZETTE.slug])}] a.title")
    page.wait_route(f"article/{story[GAZETTE.slug]}")
    assert page.eval("document.querySelector('h1').textContent") == GAZETTE.title
    marks = page.eval("[...document.querySelectorAll('.article-text mark.quote')].map(m => "
                      "({id: m.id, text: m.textContent, tag: m.nextElementSibling.textContent}))")
    shared = [m for m in marks if SHARED_QUOTE in m["text"]]
    assert shared, marks
    assert "Transport Commissioner Anna Berg" in shared[0]["tag"]
    assert "check-worthiness 0." in shared[0]["tag"] or "check-worthiness 1." in shared[0]["tag"]
    text = page.eval("document.querySelector('.article-text').textContent")
    assert GAZETTE.paragraphs[0] in text and GAZETTE.paragraphs[-1] in text
    page.screenshot(shots / "article-desktop.png")

    # article -> speaker: her claims, newest first, with the corroborating outlet
    page.click(f"#{shared[0]['id']} + .claim-tag a.speaker")
    page.wait_route("speaker/Anna Berg")
    items = page.eval("[...document.querySelectorAll('#speaker-claims > li')].map(li => "
                      "({text: li.querySelector('blockquote').textContent, "
                      "links: [...li.querySelectorAll('.corroborated a')].map(a => "
                      "a.getAttribute('href'))}))")
    quotes = [i for i in items if SHARED_QUOTE.lower() in i["text"].lower()]
    assert len(quotes) == 3
    assert sorted(len(q["links"]) for q in quotes) == [0, 1, 1]  # the reprint corroborates none
    assert f"#/article/{story[COURIER.slug]}" in [link for q in quotes for link in q["links"]]
    page.screenshot(shots / "speaker-desktop.png")

    # speaker -> article -> story: the three outlets side by side, the quote in each
    page.click(f"#speaker-claims a[href='#/article/{story[COURIER.slug]}']")
    page.wait_route(f"article/{story[COURIER.slug]}")
    page.click("#story-link")
    page.wait_for("(document.querySelector('main').dataset.route || '').startsWith('story/')")
    assert sorted(_ids(page, "#outlets > .outlet")) == sorted(story.values())
    rows = page.eval("[...document.querySelectorAll('#shared-claims tbody tr')].map(tr => "
                     "({text: tr.querySelector('th').textContent, "
                     "cells: [...tr.querySelectorAll('td')].map(td => td.className)}))")
    quote_row = next(r for r in rows if SHARED_QUOTE.lower() in r["text"].lower())
    assert quote_row["cells"] == ["carries"] * 3
    page.screenshot(shots / "story-desktop.png")


def test_search_box_and_filters(page: Browser, pipe: Pipeline, story: dict[str, str],
                                outlets: dict[str, str], shots: Path) -> None:
    page.goto(f"{pipe.api}/#/stories")
    page.wait_route("stories")
    page.click("#search-q")
    page.type("shop owners north bank")
    page.press("Enter", 13)
    page.wait_route("search")
    assert _ids(page, "#search-results > li") == [story[COURIER.slug]]
    page.screenshot(shots / "search-desktop.png")

    # filters: only the Courier's site; then has-claims keeps all three outlets
    page.goto(f"{pipe.api}/#/")
    page.wait_route("articles")
    page.click("#f-site")
    page.type(domain_key(outlets[COURIER.slug]))
    page.press("Enter", 13)
    page.wait_for("location.hash.includes('site=')")
    page.wait_route("articles")
    assert _ids(page, "#article-list > li") == [story[COURIER.slug]]
    page.goto(f"{pipe.api}/#/?has_claims=true")
    page.wait_route("articles")
    assert page.eval("document.getElementById('f-has_claims').checked") is True
    assert set(story.values()) <= set(_ids(page, "#article-list > li"))


def test_speakers_index_and_paged_list(page: Browser, pipe: Pipeline,
                                       story: dict[str, str], shots: Path) -> None:
    page.goto(f"{pipe.api}/#/")
    page.wait_route("articles")
    page.click("nav a[href='#/speakers']")
    page.wait_route("speakers")
    page.click("#f-speaker")
    page.type("berg")
    page.press("Enter", 13)
    page.wait_for("location.hash === '#/speakers?q=berg'")
    page.wait_route("speakers")
    assert page.eval("[...document.querySelectorAll('#speaker-list > li')]"
                     ".map(li => li.dataset.name)") == ["Anna Berg"]
    meta = page.eval("document.querySelector('#speaker-list .meta').textContent")
    assert meta.startswith("4 claims · 3 outlets")  # 2 quotes in the Courier, 1 each else
    page.screenshot(shots / "speakers-desktop.png")
    page.click("#speaker-list a.title")
    page.wait_route("speaker/Anna Berg")

    # two articles a page: "More articles" fetches the rest, each once, newest first
    page.goto(f"{pipe.api}/#/?limit=2")
    page.wait_route("articles")
    assert len(_ids(page, "#article-list > li")) == 2
    everything = [a["id"] for a in httpx.get(f"{pipe.api}/articles").json()["items"]]
    while page.eval("!!document.querySelector('button.more')"):
        shown = len(_ids(page, "#article-list > li"))
        page.click("button.more")
        page.wait_for(f"document.querySelectorAll('#article-list > li').length > {shown}")
    assert _ids(page, "#article-list > li") == everything
    assert set(story.values()) <= set(everything)


_CONTRAST = """(() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92
      : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    if (el.closest('.visually-hidden, .skip')) continue;
    const [a, b] = [lum(parse(getComputedStyle(el).color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)}`);
  }
  return worst;
})()"""

_UNLABELLED = """[...document.querySelectorAll('input, select, textarea')].filter(i =>
  !(i.labels && i.labels.length) && !i.getAttribute('aria-label')).map(i => i.id || i.name)"""


def test_phone_width_keyboard_and_contrast(page: Browser, pipe: Pipeline,
                                           story: dict[str, str], shots: Path) -> None:
    page.viewport(*PHONE, mobile=True)
    routes = {"articles": "#/", f"article/{story[GAZETTE.slug]}":
              f"#/article/{story[GAZETTE.slug]}", "speaker/Anna Berg": "#/speaker/Anna%20Berg"}
    for route, hash_ in routes.items():
        page.goto(f"{pipe.api}/{hash_}")
        page.wait_route(route)
        # nothing wider than the phone: no sideways scrolling of the page
        assert page.eval("document.documentElement.scrollWidth") <= PHONE[0], route
        assert page.eval(_CONTRAST) == [], route
        assert page.eval(_UNLABELLED) == [], route
        name = route.split("/")[0]
        page.screenshot(shots / f"{name}-phone.png")
    story_id = httpx.get(f"{pipe.api}/articles/{story[GAZETTE.slug]}").json()["story_id"]
    page.goto(f"{pipe.api}/#/story/{story_id}")
    page.wait_route(f"story/{story_id}")
    assert page.eval("document.documentElement.scrollWidth") <= PHONE[0]
    columns = page.eval("new Set([...document.querySelectorAll('#outlets > .outlet')]"
                        ".map(e => e.getBoundingClientRect().left)).size")
    assert columns == 1  # the outlets stack on a phone
    page.screenshot(shots / "story-phone.png")

    # keyboard, on a freshly loaded page: the first Tab reaches the skip link, the next
    # the navigation, with a visible focus ring
    page.goto(f"{pipe.api}/?fresh#/")
    page.wait_route("articles")
    page.press("Tab", 9)
    assert page.eval("document.activeElement.className") == "skip"
    page.press("Tab", 9)
    focused = page.eval("(() => { const s = getComputedStyle(document.activeElement); "
                        "return [document.activeElement.textContent, s.outlineStyle, "
                        "s.outlineWidth]; })()")
    assert focused == ["newswire", "solid", "3px"]
