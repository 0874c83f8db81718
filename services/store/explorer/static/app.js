// newswire explorer: a single-page app over the store's JSON API, routed by the URL hash.
// Every value from the API reaches the page as a text node (never as HTML).
"use strict";

const POLL_MS = 3000;
const main = document.getElementById("main");
const announce = document.getElementById("announce");
let stopPolling = () => {};
let generation = 0; // bumped on every navigation: answers for an older page are dropped

class Stale extends Error {}

// -- helpers -------------------------------------------------------------------------------
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

async function api(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined && value !== "") query.set(key, value);
  }
  const url = path + (query.toString() ? "?" + query : "");
  const asked = generation;
  const resp = await fetch(url, { headers: { Accept: "application/json" } });
  let body = null;
  try { body = await resp.json(); } catch (_) { body = null; }
  if (asked !== generation) throw new Stale(url);
  if (!resp.ok) {
    const why = body && body.error ? body.error : `HTTP ${resp.status}`;
    throw new Error(`${path}: ${why}`);
  }
  return body;
}

// Only web addresses become links to elsewhere (never javascript: or data: URLs).
const webUrl = (url) => (/^https?:\/\//i.test(url || "") ? url : null);
const articleHref = (id) => `#/article/${encodeURIComponent(id)}`;
const speakerHref = (name) => `#/speaker/${encodeURIComponent(name)}`;
const storyHref = (id) => `#/story/${encodeURIComponent(id)}`;

function day(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toISOString().slice(0, 16).replace("T", " ");
}

function timeEl(value) {
  return value ? h("time", { datetime: value }, day(value)) : null;
}

function score(claim) {
  const value = claim.checkworthiness;
  return typeof value === "number" ? value.toFixed(2) : "–";
}

function speakerOf(claim) {
  return claim.speaker_name || claim.speaker || null;
}

function speakerLink(claim) {
  const name = speakerOf(claim);
  return name ? h("a", { href: speakerHref(name), class: "speaker" }, claim.speaker || name)
    : h("span", { class: "muted" }, "no speaker");
}

function corroboration(claim) {
  const others = claim.corroborated_by || [];
  if (!others.length) return null;
  return h("p", { class: "corroborated" }, "Also reported by: ",
    others.map((o, i) => [i ? ", " : "",
      h("a", { href: articleHref(o.article_id) }, o.site || o.url)]));
}

function page(title, ...children) {
  document.title = `${title} · newswire explorer`;
  main.replaceChildren(h("h1", {}, title), ...children.filter((c) => c !== null));
}

function showError(err) {
  page("Something went wrong", h("p", { class: "error", role: "alert" }, String(err.message || err)));
}

// A "More" button under a keyset-paged list: fetches the next page, adds its items.
function appendMore(label, cursor, fetchPage, addItems) {
  if (!cursor) return;
  const button = h("button", { type: "button", class: "secondary more" }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const next = await fetchPage(cursor);
      addItems(next);
      cursor = next.next_cursor;
      if (cursor) button.disabled = false; else button.remove();
    } catch (err) {
      if (!(err instanceof Stale)) button.replaceWith(h("p", { class: "error", role: "alert" }, err.message));
    }
  });
  main.append(button);
}

// -- articles (the home page, with filters and live updates) -------------------------------
function articleItem(a, isNew) {
  return h("li", { class: isNew ? "new" : null, "data-id": a.id },
    h("a", { href: articleHref(a.id), class: "title" }, a.title || a.url),
    h("div", { class: "meta" },
      a.site || "", a.language ? ` · ${a.language}` : "", " · ",
      timeEl(a.published || a.fetched_at), " · ",
      h("span", { class: "badge" }, `${a.claims_count ?? 0} claims`),
      a.duplicate_of ? [" · ", h("a", { href: articleHref(a.duplicate_of) }, "copy of another article")] : null,
      a.story_id ? [" · ", h("a", { href: storyHref(a.story_id) }, "story")] : null));
}

function filterForm(filters) {
  const field = (name, label, type, extra) => h("div", {},
    h("label", { for: `f-${name}` }, label),
    h("input", { id: `f-${name}`, name, type, value: filters[name] || "", ...extra }));
  const form = h("form", { class: "filters", "aria-label": "Filter articles" },
    field("site", "Site", "text", { placeholder: "e.g. example.com" }),
    field("language", "Language", "text", { placeholder: "e.g. en", size: 5 }),
    field("since", "Since", "date"),
    h("div", { class: "check" },
      h("input", { id: "f-has_claims", name: "has_claims", type: "checkbox",
                   checked: filters.has_claims === "true" }),
      h("label", { for: "f-has_claims" }, "Only with claims")),
    h("div", {}, h("button", { type: "submit" }, "Apply")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const query = new URLSearchParams();
    for (const key of ["site", "language", "since"]) {
      const value = String(data.get(key) || "").trim();
      if (value) query.set(key, value);
    }
    if (data.get("has_claims")) query.set("has_claims", "true");
    location.hash = "#/" + (query.toString() ? "?" + query : "");
  });
  return form;
}

async function articlesView(params) {
  const mine = generation;
  const filters = Object.fromEntries(params);
  const list = h("ol", { class: "items", id: "article-list", "aria-label": "Articles, newest first" });
  const status = h("p", { class: "muted", id: "live-status" }, "Live: new articles appear here as they are stored.");
  page("Recent articles", filterForm(filters), status, list);
  const size = filters.limit || 50; // #/?limit=N: the page size behind "More articles"
  const first = await api("/articles", { ...filters, limit: size });
  const seen = new Set();
  for (const a of first.items) { seen.add(a.id); list.append(articleItem(a, false)); }
  if (!first.items.length) list.replaceWith(h("p", { id: "article-list-empty" }, "No articles match."));
  appendMore("More articles", first.next_cursor,
    (cursor) => api("/articles", { ...filters, limit: size, cursor }),
    (next) => {
      for (const a of next.items) {
        if (!seen.has(a.id)) { seen.add(a.id); list.append(articleItem(a, false)); }
      }
    });
  let timer = null;
  const poll = async () => {
    if (mine !== generation) return;
    try {
      const latest = await api("/articles", { ...filters, limit: 20 });
      const fresh = latest.items.filter((a) => !seen.has(a.id));
      if (fresh.length) {
        const target = document.getElementById("article-list") || (() => {
          const ol = h("ol", { class: "items", id: "article-list", "aria-label": "Articles, newest first" });
          document.getElementById("article-list-empty")?.replaceWith(ol);
          return ol;
        })();
        for (const a of fresh.reverse()) { seen.add(a.id); target.prepend(articleItem(a, true)); }
        announce.textContent = `${fresh.length} new article${fresh.length > 1 ? "s" : ""}`;
      }
      status.textContent = `Live: checked at ${new Date().toLocaleTimeString()}.`;
    } catch (err) {
      if (err instanceof Stale) return;
      status.textContent = `Live updates paused: ${err.message}`;
    }
    timer = setTimeout(poll, POLL_MS);
  };
  timer = setTimeout(poll, POLL_MS);
  stopPolling = () => clearTimeout(timer);
}

// -- one article, its claims highlighted in place ------------------------------------------
function claimMark(claim, content) {
  const high = typeof claim.checkworthiness === "number" && claim.checkworthiness >= 0.5;
  return [
    h("mark", { class: `claim ${claim.kind}${high ? " high" : ""}`, id: `claim-${claim.index}`,
                "data-index": claim.index }, content),
    " ",
    h("span", { class: "claim-tag" }, "[",
      claim.kind === "quote" ? speakerLink(claim) : "statement",
      `, check-worthiness ${score(claim)}]`),
  ];
}

// Claims as a forest by their character offsets: a quote inside a statement is nested in
// it; a claim that crosses another's boundary is left to the list below the text.
function nested(text, claims) {
  const roots = [];
  const stack = [];
  const placed = claims
    .filter((c) => Number.isInteger(c.start) && Number.isInteger(c.end)
      && c.start >= 0 && c.end > c.start && c.end <= text.length)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  for (const claim of placed) {
    while (stack.length && stack[stack.length - 1].claim.end <= claim.start) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent && claim.end > parent.claim.end) continue;
    const node = { claim, children: [] };
    (parent ? parent.children : roots).push(node);
    stack.push(node);
  }
  return roots;
}

function highlighted(text, claims) {
  const root = h("div", { class: "article-text" });
  let para = h("p");
  root.append(para);
  const plain = (chunk) => chunk.split(/\n+/).forEach((part, i) => {
    if (i) { para = h("p"); root.append(para); }
    if (part) para.append(part);
  });
  const marked = (node) => {
    const { claim } = node;
    const inside = [];
    let pos = claim.start;
    for (const child of node.children) {
      inside.push(text.slice(pos, child.claim.start), ...marked(child));
      pos = child.claim.end;
    }
    inside.push(text.slice(pos, claim.end));
    return claimMark(claim, inside);
  };
  let pos = 0;
  for (const node of nested(text, claims)) {
    plain(text.slice(pos, node.claim.start));
    para.append(...marked(node));
    pos = node.claim.end;
  }
  plain(text.slice(pos));
  for (const p of [...root.children]) if (!p.childNodes.length) p.remove();
  return root;
}

function claimItem(claim, withArticle) {
  return h("li", { class: `claim-item ${claim.kind}` },
    h("blockquote", {}, claim.text),
    h("div", { class: "meta" },
      claim.kind === "quote" ? ["Said by ", speakerLink(claim)] : "Statement",
      ` · check-worthiness ${score(claim)}`,
      withArticle ? [" · in ", h("a", { href: articleHref(claim.article_id) },
        claim.article_title || claim.article_url), claim.site ? ` (${claim.site})` : "",
        " · ", timeEl(claim.seen_at)] : null),
    corroboration(claim));
}

async function articleView(id) {
  const a = await api(`/articles/${encodeURIComponent(id)}`);
  const claims = a.claims || [];
  page(a.title || a.url,
    h("p", { class: "meta" },
      a.site || a.domain || "", a.author ? ` · ${a.author}` : "",
      a.language ? ` · ${a.language}` : "", " · published ", timeEl(a.published) || "unknown",
      " · fetched ", timeEl(a.fetched_at), " · ",
      webUrl(a.url) ? h("a", { href: webUrl(a.url), rel: "noopener noreferrer" }, "original")
        : null),
    a.duplicate_of ? h("p", { class: "note" }, "A syndicated copy of ",
      h("a", { href: articleHref(a.duplicate_of) }, "an earlier article"), ".") : null,
    a.story_id ? h("p", {}, h("a", { href: storyHref(a.story_id), id: "story-link" },
      "Compare the outlets covering this story")) : null,
    highlighted(a.text || "", claims),
    h("h2", { id: "claims-heading" }, `Claims (${claims.length})`),
    claims.length ? h("ol", { class: "claims", "aria-labelledby": "claims-heading" },
      claims.map((c) => claimItem(c, false))) : h("p", {}, "No claims found in this article."));
}

// -- a speaker: all their claims, newest first ---------------------------------------------
async function speakerView(name) {
  const found = await api("/claims", { speaker: name, limit: 50 });
  const list = h("ol", { class: "claims", id: "speaker-claims" }, found.claims.map((c) => claimItem(c, true)));
  page(name, h("p", { class: "meta" }, "Claims attributed to this speaker, newest first."),
    found.claims.length ? list : h("p", {}, "No claims by this speaker."));
  appendMore("More claims", found.next_cursor,
    (cursor) => api("/claims", { speaker: name, limit: 50, cursor }),
    (next) => list.append(...next.claims.map((c) => claimItem(c, true))));
}

// -- speakers: who is quoted most ----------------------------------------------------------
function speakerItem(s) {
  return h("li", { "data-name": s.speaker_name },
    h("a", { href: speakerHref(s.speaker_name), class: "title" }, s.speaker || s.speaker_name),
    h("div", { class: "meta" }, `${s.claims} claims · ${s.sites} outlets · latest `,
      timeEl(s.latest)));
}

async function speakersView(params) {
  const q = params.get("q") || "";
  const form = h("form", { class: "filters", "aria-label": "Find a speaker" },
    h("div", {}, h("label", { for: "f-speaker" }, "Name"),
      h("input", { id: "f-speaker", name: "q", type: "text", value: q })),
    h("div", {}, h("button", { type: "submit" }, "Find")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = String(new FormData(form).get("q") || "").trim();
    location.hash = "#/speakers" + (value ? `?q=${encodeURIComponent(value)}` : "");
  });
  const found = await api("/speakers", { q, limit: 50 });
  const list = h("ol", { class: "items", id: "speaker-list" }, found.items.map(speakerItem));
  page("Speakers", form, found.items.length ? list : h("p", {}, "No speaker found."));
  appendMore("More speakers", found.next_cursor,
    (cursor) => api("/speakers", { q, limit: 50, cursor }),
    (next) => list.append(...next.items.map(speakerItem)));
}

// -- stories: outlets side by side ---------------------------------------------------------
async function storiesView() {
  const found = await api("/stories", { min_sites: 1, limit: 50 });
  page("Stories", h("p", { class: "meta" }, "Articles grouped by story across outlets."),
    found.stories.length ? h("ol", { class: "items", id: "story-list" }, found.stories.map((s) =>
      h("li", {}, h("a", { href: storyHref(s.id), class: "title" }, s.title || s.id),
        h("div", { class: "meta" }, `${s.site_count} outlets · ${s.article_count} articles · updated `,
          timeEl(s.updated_at)))))
      : h("p", {}, "No stories yet."));
}

// A claim's text without the quotation marks it was printed with (<q> adds its own).
function bare(text) {
  return text.replace(/^[\s"“”„«»']+|[\s"“”„«»',]+$/g, "");
}

function normalised(text) {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

// Groups the story's claims into statements: linked by corroboration, or word for word the
// same (a syndicated copy carries the original's claims without corroborating them).
function statements(articles) {
  const parent = new Map();
  const find = (k) => { while (parent.get(k) !== k) k = parent.get(k); return k; };
  const join = (a, b) => { if (parent.has(a) && parent.has(b)) parent.set(find(a), find(b)); };
  const byText = new Map();
  for (const a of articles) for (const c of a.claims) {
    const key = `${c.article_id}#${c.index}`;
    parent.set(key, key);
    const text = `${c.kind}|${normalised(c.text)}`;
    if (byText.has(text)) join(key, byText.get(text)); else byText.set(text, key);
  }
  for (const a of articles) for (const c of a.claims) for (const o of c.corroborated_by || []) {
    join(`${c.article_id}#${c.index}`, `${o.article_id}#${o.claim_index}`);
  }
  const groups = new Map();
  for (const a of articles) for (const c of a.claims) {
    const root = find(`${c.article_id}#${c.index}`);
    if (!groups.has(root)) groups.set(root, { claim: c, carriers: new Map() });
    groups.get(root).carriers.set(a.id, c);
  }
  return [...groups.values()].sort((x, y) => y.carriers.size - x.carriers.size);
}

async function storyView(id) {
  const story = await api(`/stories/${encodeURIComponent(id)}`);
  const articles = await Promise.all(story.articles.map(async (a) => {
    const found = await api(`/articles/${encodeURIComponent(a.id)}/claims`, { limit: 1000 });
    return { ...a, claims: found.claims };
  }));
  const groups = statements(articles);
  const shared = groups.filter((g) => g.carriers.size > 1);
  const label = (a) => a.site || a.url;
  const table = h("div", { class: "scroll", tabindex: 0, role: "region", "aria-labelledby": "shared-heading" },
    h("table", { id: "shared-claims" },
      h("caption", { class: "visually-hidden" }, "Which outlet carries which statement"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Statement"),
        articles.map((a) => h("th", { scope: "col" }, h("a", { href: articleHref(a.id) }, label(a)))))),
      h("tbody", {}, shared.map((g) => h("tr", {},
        h("th", { scope: "row" }, h("q", {}, bare(g.claim.text)), " — ", speakerLink(g.claim)),
        articles.map((a) => g.carriers.has(a.id)
          ? h("td", { class: "carries" }, "✓ carries", a.duplicate_of ? " (copy)" : "")
          : h("td", {}, h("span", { class: "visually-hidden" }, "does not carry"), "—")))))));
  const columns = h("div", { class: "outlets", id: "outlets" }, articles.map((a) => h("section",
    { class: "outlet", "aria-label": label(a), "data-id": a.id },
    h("h3", {}, label(a)),
    h("p", {}, h("a", { href: articleHref(a.id) }, a.title || a.url)),
    h("p", { class: "meta" }, timeEl(a.published || a.fetched_at),
      a.duplicate_of ? " · syndicated copy" : ""),
    a.claims.length ? h("ul", {}, a.claims.map((c) => h("li", {},
      h("q", {}, bare(c.text)), " ", h("span", { class: "claim-tag" },
        c.kind === "quote" ? speakerLink(c) : "statement",
        (c.corroborated_by || []).length ? ` · corroborated by ${c.corroborated_by.length}` : ""))))
      : h("p", { class: "muted" }, "No claims."))));
  page(story.title || "Story",
    h("p", { class: "meta" }, `${story.site_count} outlets · ${story.article_count} articles`),
    h("h2", { id: "shared-heading" }, `Statements carried by more than one article (${shared.length})`),
    shared.length ? table : h("p", {}, "No statement is carried by more than one article."),
    h("h2", {}, "The outlets side by side"), columns);
}

// -- search --------------------------------------------------------------------------------
async function searchView(params) {
  const q = params.get("q") || "";
  document.getElementById("search-q").value = q;
  if (!q.trim()) { page("Search", h("p", {}, "Type words to search for.")); return; }
  const found = await api("/search", { q, limit: 20 });
  page(`Search: ${q}`,
    h("p", { class: "meta", id: "search-count" }, `${found.results.length}${found.next_cursor ? "+" : ""} articles`),
    found.results.length ? h("ol", { class: "items", id: "search-results" }, found.results.map((r) =>
      h("li", { "data-id": r.id }, h("a", { href: articleHref(r.id), class: "title" }, r.title || r.url),
        h("div", { class: "meta" }, r.site || "", " · ", timeEl(r.published || r.fetched_at)),
        h("p", {}, r.excerpt ? r.excerpt + "…" : ""))))
      : h("p", {}, "No article contains every word."));
}

// -- routing -------------------------------------------------------------------------------
async function route() {
  const hash = location.hash || "#/";
  if (!hash.startsWith("#/") && generation > 0) return; // in-page anchors: the skip link
  stopPolling();
  stopPolling = () => {};
  const mine = ++generation;
  const [path, query] = hash.slice(1).split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  main.setAttribute("aria-busy", "true");
  main.removeAttribute("data-route");
  main.removeAttribute("data-hash");
  try {
    if (!parts.length) await articlesView(params);
    else if (parts[0] === "article" && parts[1]) await articleView(parts[1]);
    else if (parts[0] === "speaker" && parts[1]) await speakerView(parts[1]);
    else if (parts[0] === "speakers") await speakersView(params);
    else if (parts[0] === "stories") await storiesView();
    else if (parts[0] === "story" && parts[1]) await storyView(parts[1]);
    else if (parts[0] === "search") await searchView(params);
    else page("Not found", h("p", {}, "No such page. ", h("a", { href: "#/" }, "Recent articles")));
  } catch (err) {
    if (err instanceof Stale || mine !== generation) return;
    showError(err);
  } finally {
    if (mine === generation) finish(parts, mine > 1, location.hash);
  }
}

function finish(parts, navigated, hash) {
  main.removeAttribute("aria-busy");
  main.setAttribute("data-hash", hash); // which hash this render answers: query included
  main.setAttribute("data-route", parts.join("/") || "articles"); // the tests wait for it
  if (navigated) { // after a click on a link, reading goes on at the new page's heading
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
}

document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = document.getElementById("search-q").value.trim();
  if (q) location.hash = `#/search?q=${encodeURIComponent(q)}`;
});
window.addEventListener("hashchange", route);
route();
