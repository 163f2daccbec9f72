// The /search/ page: runs the query in ?q= (and sort, source, tag) against the Pagefind
// index and lists headline, date, source and excerpt of each match. Without JavaScript
// the page's <noscript> points to the archive instead.
//
// The index is a base bundle (site/pagefind/) and a delta bundle of the article pages
// changed or added since the base was made (site/pagefind-delta/, see newsdigest/search.py).
// Its delta.json names the base it belongs to, the delta's pages with their dates, and the
// base pages it replaces with their filter values. The delta is merged into the base's
// Pagefind (one WebAssembly and worker), the replaced base entries are dropped, and a date
// sort merges the two bundles' lists by date again (Pagefind orders merged results by score).
const root = document.querySelector("[data-search-bundle]");
const form = root.querySelector("form");
const input = form.elements.q;
const status = root.querySelector(".search-status");
const list = root.querySelector(".search-results");
const more = root.querySelector(".search-more");
const filtersBox = form.querySelector(".search-filters");
const FILTERS = ["source", "tag"];
// Results shown at once: each one fetches its fragment (the page's text, ~2.5 KB).
const PAGE = 10;
let loading = null;
let filterLists = null;
let shown = null;  // the results not listed yet: {left, take(n)}
let latest = 0;
// The delta in use: fragment id -> date (Unix seconds) of its pages, and the base pages it
// replaces (fragment id -> filter values).
const delta = { pages: new Map(), replaced: {} };

function load() {
  loading ??= (async () => {
    const pf = await import(root.dataset.searchBundle + "pagefind.js");
    // Result URLs are site-relative; the site lives under its base path (e.g. /repo/).
    const options = { baseUrl: root.dataset.searchBase, excerptLength: 28 };
    await pf.options(options);
    await loadDelta(pf, options);
    return pf;
  })();
  return loading;
}

async function fetchJSON(url) {
  const response = await fetch(url, { cache: "no-cache" });  // (revalidated: small, and changes)
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

async function loadDelta(pf, options) {
  const [found, entry] = await Promise.all([fetchJSON(root.dataset.searchDelta + "delta.json"),
    fetchJSON(root.dataset.searchBundle + "pagefind-entry.json")]);
  const base = Object.values(entry.languages).map((language) => language.hash).sort();
  // A delta.json of another base: the base was made again a moment ago and its (empty)
  // delta is being swapped in after it; the new base alone is the whole index.
  if (JSON.stringify(base) !== JSON.stringify(found.base)) return;
  delta.replaced = found.replaced;
  delta.pages = new Map(Object.entries(found.pages));
  if (delta.pages.size) await pf.mergeIndex(root.dataset.searchDelta, options);
}

function dataOf(result) {
  result.loaded ??= result.data();
  return result.loaded;
}

// Each page once: a base entry the delta replaces is dropped (the delta holds the page's
// new version, or the page is gone), and a page whose text is the same in both comes twice.
function current(results) {
  const seen = new Set();
  return results.filter((r) => {
    const keep = !seen.has(r.id) && (delta.pages.has(r.id) || !(r.id in delta.replaced));
    seen.add(r.id);
    return keep;
  });
}

function inOrder(results) {
  return { get left() { return results.length; }, take: async (n) => results.splice(0, n) };
}

// Under a date sort each bundle lists its matches by date; merge the two lists by date. The
// delta's dates are in delta.json; a base page's date is in its data, loaded as the merge
// reaches it (it is loaded to be shown anyway).
function byDate(results, newest) {
  const date = (r) => Number(delta.pages.get(r.id));
  const fromBase = results.filter((r) => !delta.pages.has(r.id));
  const fromDelta = results.filter((r) => delta.pages.has(r.id))
    .sort((a, b) => (newest ? date(b) - date(a) : date(a) - date(b)));
  return {
    get left() { return fromBase.length + fromDelta.length; },
    async take(n) {
      const next = [];
      while (next.length < n && this.left) {
        let fromBaseFirst = fromDelta.length === 0;
        if (fromBase.length && !fromBaseFirst) {
          const baseDate = Number((await dataOf(fromBase[0])).meta.timestamp);
          fromBaseFirst = newest ? baseDate >= date(fromDelta[0]) : baseDate <= date(fromDelta[0]);
        }
        next.push(fromBaseFirst ? fromBase.shift() : fromDelta.shift());
      }
      return next;
    },
  };
}

// The source and tag lists come from Pagefind's filter files, which grow with the site
// (about 70 KB at 10,000 articles): fetched only once the reader opens the filters (or
// arrives with one set), never for a plain search.
function loadFilters() {
  filterLists ??= load().then(async (pf) => {
    const filters = await pf.filters();
    // The base still counts the pages the delta replaces (the delta counts their new versions).
    for (const replaced of Object.values(delta.replaced)) {
      for (const [name, values] of Object.entries(replaced)) {
        for (const value of values) if (filters[name]?.[value]) filters[name][value] -= 1;
      }
    }
    const params = new URLSearchParams(location.search);
    for (const name of FILTERS) {
      const select = form.elements[name];
      const counts = filters[name] || {};
      for (const value of Object.keys(counts).filter((v) => counts[v] > 0).sort((a, b) => a.localeCompare(b))) {
        select.add(new Option(`${value} (${counts[value]})`, value));
      }
      select.value = params.get(name) || "";
    }
  });
  return filterLists;
}

// The excerpt is Pagefind's text with <mark> around the hits: everything else is shown as
// text, never parsed as HTML, so no markup from an article can run here.
function excerpt(text) {
  const p = document.createElement("p");
  p.className = "search-excerpt";
  const box = document.createElement("textarea");  // decodes &lt; etc. without running anything
  text.split(/(<mark>|<\/mark>)/).reduce((inMark, part) => {
    if (part === "<mark>") return true;
    if (part === "</mark>") return false;
    box.innerHTML = part;
    const node = document.createTextNode(box.value);
    if (inMark) {
      const mark = document.createElement("mark");
      mark.append(node);
      p.append(mark);
    } else {
      p.append(node);
    }
    return inMark;
  }, false);
  return p;
}

function item(data) {
  const li = document.createElement("li");
  const h2 = document.createElement("h2");
  const a = document.createElement("a");
  a.href = data.url;
  a.textContent = data.meta.title || data.url;
  h2.append(a);
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.textContent = [data.meta.date, data.meta.source].filter(Boolean).join(" · ");
  li.append(h2, meta, excerpt(data.excerpt || ""));
  return li;
}

async function showMore() {
  const next = await shown.take(PAGE);
  const items = await Promise.all(next.map(dataOf));
  list.append(...items.map(item));
  more.hidden = shown.left === 0;
}

async function run() {
  const params = new URLSearchParams(location.search);
  const query = (params.get("q") || "").trim();
  input.value = query;
  form.elements.sort.value = params.get("sort") || "";
  const run = ++latest;
  list.replaceChildren();
  more.hidden = true;
  if (!query) {
    status.textContent = "Type a word or two to search the articles.";
    return;
  }
  status.textContent = "Searching…";
  const pf = await load();
  if (FILTERS.some((name) => params.get(name))) {
    filtersBox.open = true;
    await loadFilters();  // a value the lists do not hold is no filter
  }
  const filters = {};
  for (const name of FILTERS) {
    form.elements[name].value = params.get(name) || "";
    if (form.elements[name].value) filters[name] = form.elements[name].value;
  }
  const order = form.elements.sort.value;
  const sort = order === "new" ? { date: "desc" } : order === "old" ? { date: "asc" } : undefined;
  const search = await pf.search(query, { filters, sort });
  if (run !== latest) return;  // a newer query has started
  const results = current(search.results);
  shown = sort && delta.pages.size ? byDate(results, order === "new") : inOrder(results);
  const n = results.length;
  await showMore();
  // Said once the first results are listed (the tests and benchmark wait for it).
  status.textContent = n === 0 ? `No articles match “${query}”.`
    : `${n} article${n === 1 ? "" : "s"} match “${query}”.`;
}

form.querySelector(".search-options").hidden = false;
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const params = new URLSearchParams();
  for (const name of ["q", "sort", "source", "tag"]) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  history.pushState(null, "", "?" + params);
  run();
});
for (const name of ["sort", ...FILTERS]) {
  form.elements[name].addEventListener("change", () => form.requestSubmit());
}
filtersBox.addEventListener("toggle", () => {
  if (filtersBox.open) {
    loadFilters().catch((error) => {
      status.textContent = "The source and tag lists are not available right now.";
      console.error(error);
    });
  }
});
more.addEventListener("click", showMore);
window.addEventListener("popstate", run);
run().catch((error) => {
  status.textContent = "Search is not available right now. Browse the archive instead.";
  console.error(error);
});
