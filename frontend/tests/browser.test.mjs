// Headless Chromium against the UI harness: the query editor and the Ask page, mounted with @grafana/ui's
// theme, talk to a local server that answers Grafana's routes with the recorded responses in fixtures/.
// Writes screenshots to ../../test-output/ (a CI artifact). Needs Debian's chromium (.ci/run installs it).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { startHarnessServer } from './harnessServer.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const HARNESS = join(HERE, '..', '..', 'test-output', 'harness');
const OUTPUT = join(HERE, '..', '..', 'test-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let server;
let baseUrl;
let browser; // a persistent BrowserContext
let profile;

before(async () => {
  assert.ok(existsSync(join(HARNESS, 'harness.js')), 'build the harness first: npm run build:harness');
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  mkdirSync(OUTPUT, { recursive: true });
  server = await startHarnessServer(HARNESS);
  baseUrl = server.url;
  profile = mkdtempSync(join(tmpdir(), 'querent-chromium-'));
  // a fresh profile per run: Playwright passes it to Chromium as --user-data-dir
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1600, height: 1200 },
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (profile) {
    rmSync(profile, { recursive: true, force: true });
  }
});

async function openHarness() {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // failed loads are checked by URL below; this message carries none
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      errors.push(m.text());
    }
  });
  // Grafana serves its fonts and icons itself; the npm packages ship most icons and no fonts
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && !/^\/public\/(fonts|build\/img\/icons)\//.test(path)) {
      errors.push(`${r.status()} ${path}`);
    }
  });
  await page.goto(baseUrl, { waitUntil: 'load' });
  await page.getByRole('heading', { name: 'Query editor' }).waitFor();
  return { page, errors };
}

test('query editor previews the generated query and switches to code', async () => {
  const { page, errors } = await openHarness();
  const editor = page.getByRole('region', { name: 'Query editor (Explore)' });
  await editor
    .getByRole('textbox', { name: /question/i })
    .fill('show error logs from order-service in the last 3 hours');
  const preview = editor.getByLabel('Generated LogQL');
  await preview.waitFor({ timeout: 15000 });
  assert.equal((await preview.textContent()).trim(), '{service_name="order-service", level="error"}');
  await editor.getByText('service: order-service').waitFor();

  await editor.getByRole('textbox', { name: /question/i }).fill('show logs from the inventory service');
  await editor.getByRole('button', { name: 'Did you mean order-service?' }).click({ timeout: 15000 });
  assert.equal(
    await editor.getByRole('textbox', { name: /question/i }).inputValue(),
    'show logs from the order-service'
  );

  await editor
    .getByRole('textbox', { name: /question/i })
    .fill('traces from product-service slower than 1 second in the last hour');
  await editor.getByLabel('Generated TraceQL').waitFor({ timeout: 15000 });
  await page.mouse.move(0, 0); // no tooltip in the picture
  await page.screenshot({ path: join(OUTPUT, 'query-editor-question.png'), fullPage: true });

  await editor.getByRole('button', { name: /edit as code/i }).click();
  const code = editor.getByRole('textbox', { name: 'Query' });
  assert.equal(await code.inputValue(), '{ resource.service.name = "product-service" && duration > 1s }');
  const model = JSON.parse(await page.getByTestId('harness-query-model').textContent());
  assert.equal(model.editorMode, 'code');
  assert.equal(model.queryType, 'traces');
  await code.press('Enter');
  assert.equal(JSON.parse(await page.getByTestId('harness-query-model').textContent()).runs, 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('Ask page answers an example question and a follow-up in one thread', async () => {
  const { page, errors } = await openHarness();
  const ask = page.getByRole('region', { name: 'Ask page' });
  await ask
    .getByRole('button', { name: 'show error logs from order-service in the last 3 hours' })
    .click({ timeout: 15000 });
  const first = ask.getByRole('article', { name: /Answer to: show error logs/ });
  await first.getByText(/^68 error lines from order-service/).waitFor({ timeout: 15000 });
  await first.getByText('Logs (logs)').waitFor();

  await ask
    .getByRole('textbox', { name: /ask a follow-up/i })
    .fill('number of payment-service errors per 5 minutes over the last 3 hours');
  await ask.getByRole('textbox', { name: /ask a follow-up/i }).press('Enter');
  const second = ask.getByRole('article', { name: /Answer to: number of payment-service/ });
  await second.getByText('Time series (timeseries)').waitFor({ timeout: 15000 });
  await second.getByText(/worst window had/).waitFor();

  const queries = server.requests.filter((r) => r.path === '/api/ds/query').map((r) => r.body.queries[0]);
  const [q1, q2] = queries.slice(-2);
  assert.equal(q2.sessionId, q1.sessionId);
  assert.equal(q2.context.question, 'show error logs from order-service in the last 3 hours');
  assert.equal(q2.context.plan.kind, 'logs');

  await page.mouse.move(0, 0);
  await page.waitForTimeout(500); // let the time series finish drawing
  await page.screenshot({ path: join(OUTPUT, 'ask-page.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('Ask page explains a diagnosis question: ranked causes with their failing span and trace links', async () => {
  const { page, errors } = await openHarness();
  const ask = page.getByRole('region', { name: 'Ask page' });
  await ask.getByRole('button', { name: 'why did order-service fail in the last 3 hours?' }).click({ timeout: 15000 });
  const turn = ask.getByRole('article', { name: /Answer to: why did order-service fail/ });
  const causes = turn.getByRole('group', { name: 'Possible causes' });
  await causes.waitFor({ timeout: 15000 });
  assert.equal(await causes.getByRole('region').count(), 2);
  const first = causes.getByRole('region', { name: /^Cause 1: Timeouts calling the external service acmepay/ });
  assert.match(await first.getByLabel('failing span').textContent(), /^payment-service POST \/v2\/charges: context/);
  assert.equal(await first.getByLabel('confidence: high').count(), 1);
  const link = first.getByRole('link', { name: 'Open trace e5ae288f5942339503d301cf19a12723 in Explore' });
  const pane = Object.values(
    JSON.parse(new URL(await link.getAttribute('href'), baseUrl).searchParams.get('panes'))
  )[0];
  assert.deepEqual(
    pane.queries.map((q) => [q.queryType, q.expr]),
    [['trace', 'e5ae288f5942339503d301cf19a12723']]
  );

  await page.mouse.move(0, 0);
  await page.waitForTimeout(500); // let the logs panel finish drawing
  await page.screenshot({ path: join(OUTPUT, 'ask-diagnosis.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
