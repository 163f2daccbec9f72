// The /search/ page: runs the query in ?q= (and sort, source, tag) against the Pagefind
// index in site/pagefind/ and lists headline, date, source and excerpt of each match.
// Without JavaScript the page's <noscript> points to the archive instead.
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
let pagefind = null;
let filterLists = null;
let shown = [];
let latest = 0;

async function load() {
  if (!pagefind) {
    pagefind = await import(root.dataset.searchBundle + "pagefind.js");
    // Result URLs are site-relative; the site lives under its base path (e.g. /repo/).
    await pagefind.options({ baseUrl: root.dataset.searchBase, excerptLength: 28 });
  }
  return pagefind;
}

// The source and tag lists come from Pagefind's filter files, which grow with the site
// (about 70 KB at 10,000 articles): fetched only once the reader opens the filters (or
// arrives with one set), never for a plain search.
function loadFilters() {
  filterLists ??= load().then(async (pf) => {
    const filters = await pf.filters();
    const params = new URLSearchParams(location.search);
    for (const name of FILTERS) {
      const select = form.elements[name];
      for (const value of Object.keys(filters[name] || {}).sort((a, b) => a.localeCompare(b))) {
        select.add(new Option(`${value} (${filters[name][value]})`, value));
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
  const next = shown.splice(0, PAGE);
  const items = await Promise.all(next.map((r) => r.data()));
  list.append(...items.map(item));
  more.hidden = shown.length === 0;
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
  shown = search.results.slice();
  const n = shown.length;
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
