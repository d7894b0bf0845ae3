// The dashboard in a real browser (Debian's chromium through playwright-core), against a running hub.
// Run by demo's DashboardBrowserTest; by hand:
//   HUB_URL=https://127.0.0.1:6443 HUB_TOKEN=$(cat .flotilla/hub/viewer-token) SCREENSHOT_DIR=/tmp/shots \
//   EXPECT_TOTAL=4 EXPECT_READY=3 LABEL_KEY=region LABEL_VALUE=eu EXPECT_LABEL_COUNT=2 CLUSTER_NAME=shop-eu-1 \
//   SUB_NAMESPACE=default SUB_NAME=web node ui/e2e/dashboard.mjs
// The Subscription SUB_NAMESPACE/SUB_NAME must not exist yet: the script opens its page, prints
// "E2E:WATCHING" and waits for someone (the test) to create it, then follows the rollout live.
// Exit code 0 when every check passed; screenshots go to SCREENSHOT_DIR.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    console.error(`missing environment variable ${name}`);
    process.exit(2);
  }
  return value;
};
const HUB = env('HUB_URL').replace(/\/$/, '');
const TOKEN = env('HUB_TOKEN');
const SHOTS = env('SCREENSHOT_DIR');
const EXPECT_TOTAL = Number(env('EXPECT_TOTAL'));
const EXPECT_READY = Number(env('EXPECT_READY'));
const LABEL_KEY = env('LABEL_KEY');
const LABEL_VALUE = env('LABEL_VALUE');
const EXPECT_LABEL_COUNT = Number(env('EXPECT_LABEL_COUNT'));
const CLUSTER_NAME = env('CLUSTER_NAME');
const SUB_NAMESPACE = env('SUB_NAMESPACE');
const SUB_NAME = env('SUB_NAME');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const WITHIN = Number(env('E2E_TIMEOUT_MS', '90000'));

const started = Date.now();
const log = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
let checks = 0;
const check = (ok, message) => {
  if (!ok) throw new Error(`check failed: ${message}`);
  checks++;
  log(`ok: ${message}`);
};

mkdirSync(SHOTS, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'flotilla-chromium-'));
// a fresh profile (--user-data-dir) each run; the hub's certificate is signed by its own CA
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  ignoreHTTPSErrors: true,
  viewport: { width: 1280, height: 900 },
});
const page = browser.pages()[0] ?? await browser.newPage();
page.setDefaultTimeout(WITHIN);
const consoleErrors = [];
page.on('console', (m) => {
  if (m.type() === 'error') consoleErrors.push(m.text());
});
page.on('pageerror', (e) => consoleErrors.push(String(e)));

/** Every visible input and select has an accessible name (a label or aria-label). */
async function checkLabelled(where) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !el.closest('[hidden]'))
    .filter((el) => (el.labels?.length ?? 0) === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map((el) => el.outerHTML));
  check(unlabelled.length === 0, `${where}: every input has a label ${unlabelled.join(' ')}`);
}

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  log(`screenshot ${name}.png`);
}

/** Polls fn until it returns a truthy value (the page may lag the hub's eventually consistent lists). */
async function until(what, fn, timeout = WITHIN) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await page.waitForTimeout(500);
  }
}

try {
  // --- sign in: nothing but the form without a token; a wrong token is refused -------------------
  await page.goto(`${HUB}/ui/`);
  await page.getByLabel('Bearer token').waitFor();
  check(await page.locator('#nav').isHidden(), 'no navigation before signing in');
  await checkLabelled('login');
  await page.getByLabel('Bearer token').fill('not-a-token');
  await page.getByLabel('Bearer token').press('Enter'); // keyboard: Enter submits
  await page.getByText('This token was not accepted by the hub.').waitFor();
  check(true, 'a wrong token is refused');
  await page.getByLabel('Bearer token').fill(TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet overview', level: 1 }).waitFor();
  check(await page.evaluate(() => sessionStorage.getItem('flotilla.token') !== null), 'the token is kept in sessionStorage');

  // --- overview: counts by readiness, version, sync mode, and by a label key ----------------------
  await checkLabelled('overview');
  await page.getByLabel('Count by label key').fill(LABEL_KEY);
  await page.getByRole('button', { name: 'Show' }).click();
  await until(`${EXPECT_TOTAL} clusters in the summary`, async () => {
    const total = await page.locator('#total-clusters').textContent({ timeout: 2000 }).catch(() => null);
    if (Number(total) === EXPECT_TOTAL) return true;
    await page.getByRole('button', { name: 'Show' }).click(); // the summary is cached for a moment
    return false;
  });
  check(true, `the overview counts ${EXPECT_TOTAL} clusters`);
  const ready = Number(await page.locator('[data-readiness="Ready"] .tile-count').textContent());
  const unknown = Number(await page.locator('[data-readiness="Unknown"] .tile-count').textContent());
  check(ready === EXPECT_READY, `${EXPECT_READY} Ready (saw ${ready}), ${unknown} Unknown`);
  const versions = page.getByRole('region', { name: 'Kubernetes versions' });
  check(await versions.locator('tbody tr').count() >= 1, 'counts by Kubernetes version are shown');
  check(await page.getByRole('region', { name: 'Sync modes' }).getByRole('rowheader', { name: 'Pull' }).count() === 1,
    'counts by sync mode are shown');
  const labelRegion = page.getByRole('region', { name: `Label ${LABEL_KEY}` });
  const valueRow = labelRegion.locator(`tr[data-value="${LABEL_VALUE}"]`);
  await valueRow.waitFor();
  check(Number(await valueRow.locator('td.num').textContent()) === EXPECT_LABEL_COUNT,
    `${EXPECT_LABEL_COUNT} clusters with ${LABEL_KEY}=${LABEL_VALUE}`);
  await shot('overview');

  // --- filter by label: the value's link lists its clusters (server-side labelSelector) ------------
  await valueRow.getByRole('link', { name: LABEL_VALUE }).click();
  await page.getByRole('heading', { name: 'Clusters', level: 1 }).waitFor();
  check((await page.getByLabel('Label selector').inputValue()) === `${LABEL_KEY}=${LABEL_VALUE}`, 'the selector is filled in');
  await until(`${EXPECT_LABEL_COUNT} rows`, async () => (await page.locator('table.clusters tbody tr').count()) === EXPECT_LABEL_COUNT);
  check(true, `the label filter lists ${EXPECT_LABEL_COUNT} clusters`);
  await checkLabelled('clusters');
  // sort within the page: by name, then the other way (keyboard: the header is a button)
  const names = async () => page.locator('table.clusters tbody th a').allTextContents();
  const ascending = await names();
  check(JSON.stringify(ascending) === JSON.stringify([...ascending].sort()), 'sorted by name');
  await page.locator('button[data-sort="name"]').focus();
  await page.keyboard.press('Enter');
  await until('descending order', async () => JSON.stringify(await names()) === JSON.stringify([...ascending].sort().reverse()));
  check(await page.locator('th[aria-sort="descending"]').count() === 1, 'sort order is exposed with aria-sort');
  // search by name (fieldSelector), typed and submitted with the keyboard
  await page.getByLabel('Search by name or ID').fill(CLUSTER_NAME);
  await page.getByLabel('Search by name or ID').press('Enter');
  await until('one row', async () => (await names()).join() === CLUSTER_NAME);
  check(true, `search finds ${CLUSTER_NAME}`);
  await shot('clusters');

  // --- a cluster: status, labels, Descriptions, its history timeline -----------------------------
  await page.getByRole('link', { name: CLUSTER_NAME, exact: true }).click();
  await page.getByRole('heading', { name: `Cluster ${CLUSTER_NAME}`, level: 1 }).waitFor();
  await page.locator('#timeline li[data-type="Registered"]').waitFor();
  await page.locator('#timeline li[data-type="FirstStatus"]').waitFor();
  check(true, 'the timeline shows Registered and the first status report');
  check(await page.locator('#cluster-labels').getByText(`${LABEL_KEY}=${LABEL_VALUE}`).count() === 1, 'its labels are shown');
  check(await page.getByRole('table', { name: 'Capacity and allocatable' }).getByRole('rowheader', { name: 'cpu' }).count() === 1,
    'capacity and allocatable are shown');
  check(await page.getByRole('table', { name: 'Conditions' }).getByRole('rowheader', { name: 'Ready' }).count() === 1,
    'conditions are shown');
  await checkLabelled('cluster');
  await page.getByLabel('Show').selectOption({ label: 'Labels' });
  await until('only label entries', async () => (await page.locator('#timeline li').count()) === 0
    || (await page.locator('#timeline li:not([data-type="LabelsChanged"])').count()) === 0);
  await page.getByLabel('Show').selectOption({ label: 'Everything' });
  await page.locator('#timeline li[data-type="Registered"]').waitFor();
  await shot('cluster');

  // --- a Subscription created while its page watches: the rollout updates live ---------------------
  await page.goto(`${HUB}/ui/#/subscriptions/${SUB_NAMESPACE}/${SUB_NAME}`);
  await page.locator('#waiting').waitFor();
  await until('the watch to be live', async () => (await page.locator('#live-state').textContent()).startsWith('Live'));
  // a reload would lose this marker; progress is recorded as the page shows it
  await page.evaluate(() => {
    window.__sameDocument = true;
    window.__progress = [];
    const target = document.getElementById('rollout-progress');
    new MutationObserver(() => {
      const text = target.textContent;
      if (text && window.__progress[window.__progress.length - 1] !== text) window.__progress.push(text);
    }).observe(target, { childList: true, characterData: true, subtree: true });
  });
  console.log('E2E:WATCHING'); // the test creates the Subscription now
  await until('the rollout to complete', async () => {
    const p = page.locator('#rollout-progress');
    const completed = Number(await p.getAttribute('data-completed'));
    const desired = Number(await p.getAttribute('data-desired'));
    return desired > 0 && completed === desired;
  }, WITHIN * 2);
  const progress = await page.evaluate(() => window.__progress);
  log(`progress as shown: ${JSON.stringify(progress)}`);
  check(await page.evaluate(() => window.__sameDocument === true), 'the page was never reloaded');
  check(progress.length >= 2, 'the rollout was seen changing (more than one progress state)');
  check(progress[progress.length - 1].includes('rollout complete'), 'the rollout is shown complete');
  const bindings = await page.getByRole('table', { name: 'Binding clusters' }).locator('tbody tr').count();
  check(bindings === EXPECT_LABEL_COUNT, `${EXPECT_LABEL_COUNT} binding clusters listed (saw ${bindings})`);
  await until('feeds available', async () => (await page.getByRole('table', { name: 'Feeds' }).locator('tbody tr').count()) > 0);
  await checkLabelled('subscription');
  await shot('subscription-live');

  // --- back on the cluster: the Subscription's Description, deployed, next to its timeline ----------
  await page.getByRole('link', { name: `clusternet-`, exact: false }).filter({ hasText: CLUSTER_NAME }).click();
  await page.getByRole('heading', { name: `Cluster ${CLUSTER_NAME}`, level: 1 }).waitFor();
  await page.getByRole('table', { name: /What this cluster must run/ }).getByText('Success').waitFor();
  check(true, 'the cluster lists its Description as Success');
  await page.locator('#timeline li[data-type="FirstStatus"]').waitFor();
  await shot('cluster-timeline');

  // --- the subscriptions list ------------------------------------------------------------------------
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Subscriptions' }).click();
  await page.locator(`tr[data-subscription="${SUB_NAMESPACE}/${SUB_NAME}"]`).waitFor();
  check(true, 'the Subscription is listed');

  // --- a token the hub refuses sends the user back to sign in ----------------------------------------
  await page.evaluate(() => sessionStorage.setItem('flotilla.token', 'revoked-token'));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clusters' }).click();
  await page.getByLabel('Bearer token').waitFor();
  check(await page.evaluate(() => sessionStorage.getItem('flotilla.token') === null), 'a 401 forgets the token and shows sign-in');

  check(consoleErrors.filter((e) => !/401|Failed to load resource/.test(e)).length === 0,
    `no errors in the browser console ${JSON.stringify(consoleErrors)}`);
  log(`PASSED: ${checks} checks`);
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
  process.exit(0);
} catch (e) {
  console.error(`FAILED: ${e?.stack ?? e}`);
  console.error(`browser console errors: ${JSON.stringify(consoleErrors)}`);
  await page.screenshot({ path: join(SHOTS, 'failure.png'), fullPage: true }).catch(() => {});
  await browser.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
  process.exit(1);
}
