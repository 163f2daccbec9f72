// Searches a built site in headless Debian Chromium (driven by playwright-core): opens the
// front page at the URL given, types the query into the masthead search box, submits it and
// waits for the /search/ page's results. Prints one JSON object:
//   {url, status, results: [{href, title, meta, excerpt}], errors: [...], more, bundleBytes,
//    bundleFiles, deltaFiles, deltaBytes, filterFiles, firstStatus, filterOptions}
// where errors are console errors, page errors and failed requests, and bundleBytes the bytes
// of the search bundle (pagefind/) the query downloaded. Options: --width N (viewport),
// --screenshot FILE (a PNG of the result list), --front-screenshot FILE (the page typed
// into), --full-page no (only the viewport in both), --sort new|old (then choose that order
// and report its results), --filter NAME=VALUE (then open the filters, choose VALUE in the
// NAME list and report the filtered results, and filterOptions: the lists' entries with
// their counts). bundleFiles are the files of the base search bundle (pagefind/) the first
// query fetched and deltaFiles those of the delta (pagefind-delta/), filterFiles the base's
// fetched after it; more says whether "Show more results" is offered; firstStatus is the
// status after the first query. Exit 0 when the run itself worked (the caller judges the
// result); 2 when the browser could not run.
// Used by tests/test_search.py and bench/run.py; needs tools/install-test-tools.sh.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [, value] = args.splice(i, 2);
  return value;
};
const width = Number(option('--width', '1280'));
const screenshot = option('--screenshot', '');
const frontShot = option('--front-screenshot', '');  // the page typed into, before the search
const full = option('--full-page', 'yes') === 'yes';
const filter = option('--filter', '');
const sort = option('--sort', '');
const [url, query] = args;

const profile = mkdtempSync(join(tmpdir(), 'search-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  const bundle = [];
  const delta = [];
  page.on('response', async (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
    const path = new URL(r.url()).pathname;
    if (path.includes('/pagefind/') || path.includes('/pagefind-delta/')) {
      (path.includes('/pagefind/') ? bundle : delta).push(r.body().then((b) => ({ url: r.url(), bytes: b.length }), () => ({ url: r.url(), bytes: 0 })));
    }
  });
  await page.goto(url, { waitUntil: 'load', timeout: 30000 });
  await page.fill('form[role=search] input[name=q]', query);
  if (frontShot) await page.screenshot({ path: frontShot, fullPage: full });
  await Promise.all([page.waitForURL(/\/search\/\?q=/, { timeout: 30000 }), page.press('form[role=search] input[name=q]', 'Enter')]);
  await page.waitForFunction(() => {
    const s = document.querySelector('.search-status');
    return s && s.textContent && !s.textContent.startsWith('Searching');
  }, null, { timeout: 60000 });
  await page.waitForLoadState('networkidle');
  const firstFiles = bundle.splice(0);
  const deltaFiles = await Promise.all(delta.splice(0));
  const firstStatus = await page.textContent('.search-status');
  const settled = () => page.waitForFunction(
    () => !document.querySelector('.search-status').textContent.startsWith('Searching'), null, { timeout: 60000 });
  if (sort) {
    await Promise.all([page.waitForURL((u) => new URL(u).searchParams.get('sort') === sort, { timeout: 30000 }),
      page.selectOption('select[name=sort]', sort)]);
    await settled();
    await page.waitForLoadState('networkidle');
  }
  if (filter) {
    const [name, value] = filter.split(/=(.*)/s);
    await page.click('.search-filters summary');
    await page.waitForSelector(`select[name=${name}] option[value="${value}"]`, { state: 'attached', timeout: 30000 });
    await Promise.all([page.waitForURL((u) => new URL(u).searchParams.get(name) === value, { timeout: 30000 }),
      page.selectOption(`select[name=${name}]`, value)]);
    await settled();
    await page.waitForLoadState('networkidle');
  }
  const filterOptions = filter ? await page.$$eval('.search-filters select', (selects) => Object.fromEntries(
    selects.map((s) => [s.name, [...s.options].slice(1).map((o) => o.textContent)]))) : null;
  const results = await page.$$eval('.search-results > li', (items) => items.map((li) => ({
    href: li.querySelector('h2 a')?.getAttribute('href'),
    title: li.querySelector('h2 a')?.textContent,
    meta: li.querySelector('.meta')?.textContent,
    excerpt: li.querySelector('.search-excerpt')?.textContent,
    marks: li.querySelectorAll('.search-excerpt mark').length,
  })));
  const status = await page.textContent('.search-status');
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: full });
  const files = await Promise.all(firstFiles);
  console.log(JSON.stringify({ url: page.url(), status, firstStatus, filterOptions, results, errors,
    more: await page.isVisible('.search-more'),
    bundleBytes: files.reduce((n, f) => n + f.bytes, 0), bundleFiles: files,
    deltaBytes: deltaFiles.reduce((n, f) => n + f.bytes, 0), deltaFiles,
    filterFiles: await Promise.all(bundle) }));
} catch (e) {
  console.error(`search.mjs: browser error: ${e}`);
  process.exitCode = 2;
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
