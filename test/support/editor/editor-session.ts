/**
 * One Node-RED editor in Debian's Chromium for a browser test file: `useEditor()` installs mocha
 * hooks that start Node-RED with this package (node-red-editor.ts), launch the browser
 * (playwright-core, `/usr/bin/chromium --headless --no-sandbox`, never a downloaded browser),
 * open the editor and wait for the three node types; then close all of it.
 *
 *   const editor = useEditor({ viewport: { width: 1024, height: 700 } });
 *   it('…', async () => { await editor.page.click('…'); });
 *
 * Without the browser the tests are skipped with an install hint, and fail when CI is set. A
 * failing test leaves a screenshot in the temp folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { connectionDefaults } from '../../../lib/definitions';
import { installPackage, startEditorServer, type EditorServer } from './node-red-editor';

// CHROMIUM_PATH only to try the tests' behaviour without a browser; Debian's chromium otherwise.
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const NODE_TYPES = ['rest-connection', 'execute-rest-grid', 'execute-rest-scalar'];
const FAILURE_SCREENSHOTS = path.join(os.tmpdir(), 'rest-editor-screenshots');

/**
 * Where a test saves a picture the docs show: docs/images/ under `npm run screenshots`
 * (SAVE_SCREENSHOTS=1), else a temp dir, so a test run leaves the checkout unchanged.
 */
export function docImagePath(name: string): string {
  const dir =
    process.env.SAVE_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../../docs/images') : FAILURE_SCREENSHOTS;
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/**
 * Flows for `useEditor({ flows })`: a tab `tab1` and a connection `conn1` (the defaults with
 * `connection` over them, `credentials` included), then `nodes`.
 */
export function connectionFlow(connection: Record<string, unknown>, nodes: object[] = []): object[] {
  return [
    { id: 'tab1', type: 'tab', label: 'Flow 1' },
    { ...connectionDefaults, id: 'conn1', type: 'rest-connection', ...connection },
    ...nodes,
  ];
}

export interface EditorOptions {
  viewport?: { width: number; height: number };
  /** Deployed through the admin API before the page opens (nodes may carry `credentials`). */
  flows?: object[];
  /** Node-RED settings for this editor (e.g. `lang`). */
  settings?: object;
}

export interface EditorSession {
  page: Page;
  browser: Browser;
  server: EditorServer;
  userDir: string;
  /** Script errors the page raised so far. */
  pageErrors: string[];
  /** What the page fetched from resources/ (status by URL). */
  resourceResponses: { url: string; status: number }[];
}

/** Fails (CI) or skips with an install hint when Chromium is missing; true when it is there. */
export function requireChromium(context: Mocha.Context): void {
  if (fs.existsSync(CHROMIUM)) return;
  const how = `${CHROMIUM} is missing: install Debian's chromium with "apt-get update && apt-get install -y chromium"`;
  if (process.env.CI) throw new Error(`the editor tests need a browser. ${how}`);
  console.warn(`      [editor tests] skipped: ${how}`);
  context.skip();
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Loads the editor at `url` into `page` and waits until the three node types are in the palette. */
export async function loadEditor(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction((types) => types.every((t) => RED.nodes?.getType(t)), NODE_TYPES, {
    timeout: 30000,
  });
  await page.waitForSelector('.red-ui-palette-node[data-palette-type="execute-rest-grid"]', { timeout: 30000 });
}

/** Deploys `flows` (a full flow file, credentials inside the nodes) through Node-RED's admin API. */
export async function deployFlows(url: string, flows: object[]): Promise<void> {
  const response = await fetch(new URL('flows', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'node-red-deployment-type': 'full' },
    body: JSON.stringify(flows),
  });
  if (response.status !== 200 && response.status !== 204)
    throw new Error(`deploy failed: ${response.status} ${await response.text()}`);
}

export function useEditor(options: EditorOptions = {}): EditorSession {
  const session = { pageErrors: [], resourceResponses: [] } as unknown as EditorSession;

  before(async function () {
    this.timeout(90000);
    requireChromium(this);
    session.userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-editor-'));
    installPackage(session.userDir);
    session.server = await startEditorServer(session.userDir, options.settings);
    if (options.flows) await deployFlows(session.server.url, options.flows);
    session.browser = await launchChromium();
    const page = await session.browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 1000 } });
    // tsx compiles the tests with esbuild's keepNames: functions the tests run in the page call __name
    await page.addInitScript('window.__name = function (f) { return f; };');
    page.on('pageerror', (err) => session.pageErrors.push(err.message));
    page.on('response', (res) => {
      if (res.url().includes('/resources/')) session.resourceResponses.push({ url: res.url(), status: res.status() });
    });
    await loadEditor(page, session.server.url);
    session.page = page;
  });

  afterEach(async function () {
    const test = this.currentTest;
    if (test?.state !== 'failed' || !session.page) return;
    fs.mkdirSync(FAILURE_SCREENSHOTS, { recursive: true });
    const file = path.join(FAILURE_SCREENSHOTS, `failed-${test.title.replace(/\W+/g, '-').slice(0, 40)}.png`);
    await session.page.screenshot({ path: file }).catch(() => undefined);
    console.warn(`      [editor tests] screenshot of the failure: ${file}`);
  });

  after(async function () {
    this.timeout(30000);
    await session.browser?.close();
    await session.server?.stop();
    if (session.userDir) fs.rmSync(session.userDir, { recursive: true, force: true });
  });

  return session;
}
