// Runs axe-core in headless Debian Chromium (driven by playwright-core) on each URL given
// on the command line and prints one JSON object: {"pages": N, "violations": [...]}, where
// each violation is {url, id, impact, help, helpUrl, targets: [...]}; a page that fails to
// load is reported as a violation with id "page-load". Exit 0 when the run itself worked,
// whatever it found (the caller judges the violations); 2 when the browser could not run.
// Used by tests/test_html_a11y.py; needs tools/install-test-tools.sh.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const AXE_SOURCE = require.resolve('axe-core/axe.min.js');
const TAGS = (process.env.AXE_TAGS || 'wcag2a,wcag2aa,wcag21a,wcag21aa').split(',');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// Chromium's own background traffic fails on a closed network and slows every start.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const urls = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'a11y-chromium-'));
const violations = [];
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } });
  // two tabs at once: the machines have two cores, and most of the time is axe's own work
  let next = 0;
  const worker = async () => {
    const page = await context.newPage();
    while (next < urls.length) {
      const url = urls[next++];
      try {
        await page.goto(url, { waitUntil: 'load', timeout: 30000 });
        await page.addScriptTag({ path: AXE_SOURCE });
        const result = await page.evaluate(
          (tags) => axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), TAGS);
        for (const v of result.violations) {
          violations.push({ url, id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl.split('?')[0],
            targets: v.nodes.map((n) => `${n.target.join(' ')}: ${n.html.slice(0, 160)}`) });
        }
      } catch (e) {
        violations.push({ url, id: 'page-load', impact: 'critical', help: String(e).split('\n')[0], helpUrl: '', targets: [] });
      }
    }
  };
  await Promise.all([worker(), worker()]);
  violations.sort((a, b) => (a.url + a.id).localeCompare(b.url + b.id));
  console.log(JSON.stringify({ pages: urls.length, violations }));
} catch (e) {
  console.error(`a11y.mjs: browser error: ${e}`);
  process.exitCode = 2;
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
