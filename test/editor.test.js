'use strict';
/**
 * The editor side of the three nodes, in a real browser (Debian's chromium driven by
 * playwright-core) against a real Node-RED that has this package installed in its user dir.
 * Needs `npm run build` first. Install the browser with `apt-get install -y chromium`.
 *
 * While a node's runtime file is not written yet, REST_EDITOR_TEST_STUBS=1 lets the test run
 * against a stand-in for it; without that variable the test loads the real dist/nodes.
 */
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startEditorServer, installPackage, CHROMIUM } = require('./support/editor-harness');
const { startHttpServer } = require('./support/servers');

const NODE_TYPES = ['rest-connection', 'execute-rest-grid', 'execute-rest-scalar'];
const PASSWORD = 'pw-4f7c1d9e-never-in-flows';
const CLIENT_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQ-editor-test-key-4b1e\nline2\n-----END PRIVATE KEY-----';
const SCREENSHOT_DIR = path.join(os.tmpdir(), 'rest-editor-screenshots');
const PACKAGE = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8'));

describe('editor files in the published package', function () {
  this.timeout(60000);
  it("ships each node's editor, help and icon where Node-RED's loader looks for them, beside the node's .js", function () {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: path.resolve(__dirname, '..'),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    );
    const files = packed.files.map((f) => f.path);
    for (const [type, runtime] of Object.entries(PACKAGE['node-red'].nodes)) {
      const dir = path.posix.dirname(runtime);
      for (const file of [runtime, `${dir}/${type}.html`, `${dir}/locales/en-US/${type}.html`])
        assert.ok(files.includes(file), `${file} is in the package (run "npm run build" first)`);
      assert.ok(
        files.some((file) => file.startsWith(`${dir}/icons/`) && file.endsWith('.svg')),
        `${type} has its icon in ${dir}/icons/`,
      );
      // Node-RED adds a node's editor only once every <script src> in it has loaded: there is none
      const editor = fs.readFileSync(path.resolve(__dirname, '..', dir, `${type}.html`), 'utf8');
      assert.doesNotMatch(editor, /<script[^>]*\ssrc=/, `${type}.html loads no other script`);
    }
  });
});

describe('editor (browser)', function () {
  this.timeout(120000);
  let chromium;
  let browser;
  let page;
  let editor;
  let userDir;
  let api;
  const pageErrors = [];
  const resourceResponses = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      const how = `${CHROMIUM} is missing: install Debian's chromium with "apt-get update && apt-get install -y chromium"`;
      if (process.env.CI) throw new Error(`editor test needs a browser. ${how}`);
      console.warn(`      [editor.test] skipped: ${how}`);
      this.skip();
    }
    ({ chromium } = require('playwright-core'));
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-editor-'));
    installPackage(userDir, { stubs: process.env.REST_EDITOR_TEST_STUBS === '1' });
    editor = await startEditorServer(userDir);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('response', (res) => {
      if (res.url().includes('/resources/')) resourceResponses.push({ url: res.url(), status: res.status() });
    });
    await page.goto(editor.url);
    await page.waitForFunction(
      (types) => window.RED && RED.nodes && types.every((t) => RED.nodes.getType(t)),
      NODE_TYPES,
      { timeout: 30000 },
    );
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="execute-rest-grid"]', { timeout: 30000 });
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  after(async function () {
    if (browser) await browser.close();
    if (editor) await editor.stop();
    if (api) await api.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed' && page) {
      const file = path.join(SCREENSHOT_DIR, `failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 40)}.png`);
      await page.screenshot({ path: file }).catch(() => undefined);
      console.warn(`      [editor.test] screenshot of the failure: ${file}`);
    }
  });

  const visible = (selector) => page.locator(selector).first().isVisible();
  // Texts as the browser shows them: the edit form's source is formatted by Prettier, which wraps lines.
  const normalized = (text) => text.replace(/\s+/g, ' ').trim();
  const shownText = (selector) => page.locator(selector).first().textContent().then(normalized);
  const shownTexts = (selector) =>
    page
      .locator(selector)
      .allTextContents()
      .then((texts) => texts.map(normalized));
  async function assertShown(shown, hidden) {
    for (const s of shown) assert.strictEqual(await visible(s), true, `${s} should be visible`);
    for (const s of hidden) assert.strictEqual(await visible(s), false, `${s} should be hidden`);
  }
  async function openTab(id) {
    // RED.tabs reads two clicks on tabs within 400 ms as a double click
    await page.waitForTimeout(450);
    await page.click(`#rc-tabs a[href="#${id}"]`);
    await page.waitForSelector(`#${id}`, { state: 'visible' });
  }
  const addListRow = (listId) =>
    page
      .locator('.red-ui-editableList', { has: page.locator(`#${listId}`) })
      .locator('.red-ui-editableList-addButton')
      .click();
  /** Adds a row to a query or header list: a name, a type picked from the typedInput's menu, a value. */
  async function addTypedRow(listId, name, type, value) {
    await addListRow(listId);
    const row = page.locator(`#${listId} > li`).last();
    await row.locator('.rest-tl-name').fill(name);
    await row.locator('.red-ui-typedInput-type-select').click();
    await page.locator(`.red-ui-typedInput-options a[value="${type}"]:visible`).click();
    await row.locator('input.red-ui-typedInput-input').fill(value);
  }

  it('registers the three node types, with their palette labels and icons', async function () {
    for (const [type, label, icon] of [
      ['execute-rest-grid', 'rest grid', 'rest-grid.svg'],
      ['execute-rest-scalar', 'rest scalar', 'rest-scalar.svg'],
    ]) {
      const entry = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
      assert.strictEqual(await entry.count(), 1, `${type} in the palette`);
      assert.strictEqual(
        (await entry.locator('.red-ui-palette-label').textContent()).replace(/\s+/g, ' ').trim(),
        label,
      );
      const background = await entry.locator('.red-ui-palette-icon').evaluate((el) => el.style.backgroundImage);
      assert.match(background, new RegExp(icon.replace('.', '\\.')), `${type} palette icon`);
    }
    const def = await page.evaluate(() => {
      const d = RED.nodes.getType('rest-connection');
      return { category: d.category, icon: d.icon };
    });
    assert.deepStrictEqual(def, { category: 'config', icon: 'rest-connection.svg' });

    // the editor code the nodes share is built into each node's editor, in its own function scope
    assert.deepStrictEqual(resourceResponses, [], 'no editor script is fetched from resources/');
    assert.deepStrictEqual(
      await page.evaluate(() => ['RestEditor', 'RestQueryEditor', 'DEFINITIONS'].filter((name) => name in window)),
      [],
      'the editors add no globals to the page',
    );
    for (const type of ['execute-rest-grid', 'execute-rest-scalar']) {
      const template = await page.evaluate((t) => $(`script[data-template-name="${t}"]`).html(), type);
      assert.doesNotMatch(template, /data-rest-shared/, `${type}: every shared part was filled in`);
      for (const id of ['node-input-name', 'node-input-connection', 'node-input-bodyType', 'node-input-outputProperty'])
        assert.strictEqual(template.split(`id="${id}"`).length, 2, `${type} has #${id} once`);
    }
    // rest-connection builds its repeated rows (fields, checkboxes, PEM credentials) from one-line markers
    const connection = await page.evaluate(() => $('script[data-template-name="rest-connection"]').html());
    assert.doesNotMatch(connection, /data-rc-(input|check|pem)=/, 'rest-connection: every row marker was filled in');
    for (const id of [
      'node-config-input-tokenUrl',
      'node-config-input-proxyPassword',
      'node-config-input-retryNonIdempotent',
      'node-config-input-caCert',
      'node-config-input-clientKey',
      'rc-clientCert-file',
      'rc-isBearer',
    ])
      assert.strictEqual(connection.split(`id="${id}"`).length, 2, `rest-connection has #${id} once`);
    for (const icon of ['rest-grid.svg', 'rest-scalar.svg', 'rest-connection.svg']) {
      const res = await page.request.get(`${editor.url}icons/@rest-nodes/node-red-rest-connection/${icon}`);
      assert.strictEqual(res.status(), 200, `${icon} is served`);
      assert.match(await res.text(), /<svg[\s\S]*viewBox="0 0 40 60"/);
    }
  });

  it('has help text for every node type, with inputs, outputs and error codes', async function () {
    // The help's source is formatted by Prettier: white space as the browser renders it (runs of it
    // are one space, and none counts around block elements).
    const help = await page
      .evaluate((types) => types.map((t) => RED.nodes.getNodeHelp(t) || ''), NODE_TYPES)
      .then((texts) =>
        texts.map((text) => text.replace(/\s+/g, ' ').replace(/\s*(<\/?(?:p|h3|dl|dt|dd|ul|li)\b[^>]*>)\s*/g, '$1')),
      );
    for (const word of ['Base URL', 'Redirect URI', 'Test connection', 'SSL 3', '${ENV_VAR}'])
      assert.ok(help[0].includes(word), word);
    for (const text of help.slice(1)) {
      assert.match(text, /<h3>Inputs<\/h3>\s*<dl class="message-properties">/);
      assert.match(text, /<h3>Outputs<\/h3>/);
      assert.match(text, /<h3>Details<\/h3>/);
      for (const word of ['msg.statusCode', 'responseUrl', '{{payload.id}}', '${ENV_VAR}'])
        assert.ok(text.includes(word), word);
      for (const code of ['ERR_HTTP_STATUS', 'ERR_TIMEOUT', 'ERR_TLS', 'ERR_PROXY', 'ERR_AUTH', 'ERR_JSONPATH']) {
        assert.ok(text.includes(code), code);
      }
      for (const code of ['ERR_CONFIG', 'ERR_RESPONSE_TOO_LARGE', 'ERR_NOT_JSON', 'ERR_ORIGIN', 'ERR_NETWORK']) {
        assert.ok(text.includes(code), code);
      }
    }
    assert.match(help[1], /rowCount[\s\S]*columns[\s\S]*parts/);
    assert.match(help[2], /ERR_VALUE/);

    // what the runtime really does, in the words a user reads
    const [connection, grid, scalar] = help;
    assert.match(connection, /Redirect URI \(callback URL\)/);
    assert.match(
      connection,
      /Also used for a proxy from <code>HTTP_PROXY<\/code> \/ <code>HTTPS_PROXY<\/code> \/ <code>ALL_PROXY<\/code> \(lower-case names win\)/,
    );
    assert.match(
      connection,
      /Discover[^<]*before deploy[\s\S]*<code>\$\{ENV_VAR\}<\/code> is not substituted[\s\S]*proxy and CA certificate are not used/,
    );
    assert.match(connection, /<code>ERR_AUTH<\/code> \(OAuth2 only/);
    assert.match(connection, /<code>ERR_HTTP_STATUS<\/code> \(the API answered outside 2xx, including 401 and 403\)/);
    for (const text of [grid, scalar]) {
      const errorList = (code) => text.match(new RegExp(`<dt>${code}</dt><dd>([\\s\\S]*?)</dd>`))[1];
      assert.match(errorList('ERR_AUTH'), /^OAuth2 only: the token endpoint refused/);
      assert.doesNotMatch(errorList('ERR_AUTH'), /credentials were refused/);
      assert.match(
        errorList('ERR_HTTP_STATUS'),
        /a status outside 2xx, after retries where they apply \(also a redirect loop\)/,
      );
      assert.match(errorList('ERR_CONFIG'), /missing username, token or API key/);
      assert.match(
        errorList('ERR_VALUE'),
        /\{\{placeholder\}\}[\s\S]*header has a character HTTP does not allow[\s\S]*msg.payload<\/code> cannot be/,
      );
      assert.match(text, /delete <code>msg.headers<\/code> \(change node\) before chaining/);
      assert.match(
        text,
        /<code>content-length<\/code>, <code>content-encoding<\/code>, <code>host<\/code>, ...\) are never forwarded/,
      );
      assert.match(
        text,
        /on DELETE when <code>msg.payload<\/code> is set and not empty \(Body: <i>no body<\/i> never sends one\)/,
      );
    }
    assert.match(
      grid,
      /With "one message per row", one row\.<\/dd>\s*<dt>rowCount .*\s*<dd>[^<]*on the last message only/,
    );
    assert.match(grid, /<code>parts.count<\/code> is on the last message only/);
    assert.match(grid, /a response with no rows sends no message at all/);
    assert.match(grid, /a failure on a later page arrives after the earlier pages' rows were sent/);
    assert.match(grid, /Next path gives something that is not a link or cursor/);
    assert.match(grid, /<code>msg.page<\/code>/);
    assert.match(
      grid,
      /a page shorter than Page size, when the page size parameter is set \(otherwise the first empty page\)/,
    );
    assert.match(grid, /a page identical to the previous one/);
    assert.match(grid, /page size is only sent when its parameter name is set/);
    assert.match(scalar, /JSON <code>null<\/code> stays <code>null<\/code> whatever "Convert to" says/);
    assert.match(scalar, /with Convert to <i>auto<\/i> it stays a string/);
    assert.match(scalar, /HEAD response has no body, so its value counts as not found/);
  });

  it('validates fields the way the runtime reads them', async function () {
    const results = await page.evaluate(() => {
      const check = (type, prop, values) => {
        const validate = RED.nodes.getType(type).defaults[prop].validate;
        // Node-RED calls validators with the node as `this`
        return values.map((v) => validate.call({}, v, {}) === true);
      };
      const paths = ['', '$', '$.data.items', 'data.items', '@.x', '.x', '[0]', '${ROWS_PATH}', '   '];
      return {
        rowsPath: check('execute-rest-grid', 'rowsPath', paths),
        nextPath: check('execute-rest-grid', 'nextPath', paths),
        valuePath: check('execute-rest-scalar', 'valuePath', paths),
        pageSize: check('execute-rest-grid', 'pageSize', [100, '100', 1, 0, -1, 1.5, '2.5', 'abc', '', '${PAGE_SIZE}']),
        maxPages: check('execute-rest-grid', 'maxPages', [100, 1, 0, 2.5, '', '${MAX_PAGES}']),
        retries: check('rest-connection', 'retries', [0, 2, 10, '10', 11, -1, 1.5, '', '${RETRIES}']),
        maxResponseBytes: check('rest-connection', 'maxResponseBytes', [0, 52428800, '0', -1, 1.5, '', '${MAX}']),
        timeout: check('rest-connection', 'timeout', [1, 30000, '30000', 0, -5, 2.5, '', '${TIMEOUT}']),
        proxyUrl: check('rest-connection', 'proxyUrl', [
          '',
          'http://proxy.example.com:3128',
          'https://proxy.example.com',
          'proxy.example.com:3128',
          'http://user:pw@proxy:3128',
          '${PROXY}',
          'socks5://proxy:1080',
          'proxy host:3128',
          '://proxy',
        ]),
      };
    });
    const pathVerdicts = [true, true, true, true, true, true, true, true, false];
    assert.deepStrictEqual(results.rowsPath, pathVerdicts, 'rowsPath: any non-blank path, as normalizePath reads it');
    assert.deepStrictEqual(results.nextPath, pathVerdicts, 'nextPath');
    assert.deepStrictEqual(results.valuePath, pathVerdicts, 'valuePath');
    assert.deepStrictEqual(results.pageSize, [true, true, true, false, false, false, false, false, false, true]);
    assert.deepStrictEqual(results.maxPages, [true, true, false, false, false, true]);
    assert.deepStrictEqual(results.retries, [true, true, true, true, false, false, false, false, true]);
    assert.deepStrictEqual(results.maxResponseBytes, [true, true, true, false, false, false, true]);
    assert.deepStrictEqual(results.timeout, [true, true, true, false, false, false, false, true]);
    assert.deepStrictEqual(results.proxyUrl, [true, true, true, true, true, true, false, false, false]);
  });

  it('edits a grid node with a new connection, shows the right fields, and deploys the contract names', async function () {
    // a grid node from the palette onto the workspace, then its edit dialog
    await page
      .locator('.red-ui-palette-node[data-palette-type="execute-rest-grid"]')
      .dragTo(page.locator('#red-ui-workspace-chart'), { targetPosition: { x: 300, y: 200 } });
    await page.waitForFunction(() => RED.nodes.filterNodes({ type: 'execute-rest-grid' }).length === 1);
    await page.locator('.red-ui-flow-node-group').filter({ hasText: 'GET /' }).first().dblclick();
    await page.waitForSelector('#node-input-path', { state: 'visible' });

    // a new rest-connection from the grid node's connection field
    await page.click('#node-input-btn-connection-add');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'visible' });
    await page.fill('#node-config-input-baseUrl', 'https://api.example.test/v1');
    await page.fill('#node-config-input-name', 'Example API');

    await openTab('rc-tab-auth');
    const basic = ['#node-config-input-username', '#node-config-input-password'];
    const bearer = ['#node-config-input-token', '#rc-isBearer', '#node-config-input-tokenPrefix'];
    const apiKey = ['#node-config-input-apiKey', '#node-config-input-apiKeyName', '#node-config-input-apiKeyIn'];
    const oauth2 = ['#node-config-input-oauth2Grant', '#node-config-input-tokenUrl', '#node-config-input-clientId'];
    await assertShown([], [...basic, ...bearer, ...apiKey, ...oauth2]);

    await page.selectOption('#node-config-input-authType', 'basic');
    await assertShown(basic, [...bearer, ...apiKey, ...oauth2]);

    await page.selectOption('#node-config-input-authType', 'apiKey');
    await assertShown(apiKey, [...basic, ...bearer, ...oauth2]);

    await page.selectOption('#node-config-input-authType', 'bearer');
    await assertShown(bearer, [...basic, ...apiKey, ...oauth2]);
    assert.strictEqual(await page.isChecked('#rc-isBearer'), true);
    await page.uncheck('#rc-isBearer');
    assert.strictEqual(await page.inputValue('#node-config-input-tokenPrefix'), '');
    await page.check('#rc-isBearer');
    assert.strictEqual(await page.inputValue('#node-config-input-tokenPrefix'), 'Bearer');
    await page.fill('#node-config-input-tokenPrefix', '');
    assert.strictEqual(await page.isChecked('#rc-isBearer'), false, 'emptying the prefix unticks "is bearer"');
    await page.fill('#node-config-input-tokenPrefix', 'Bearer');
    assert.strictEqual(await page.isChecked('#rc-isBearer'), true);

    await page.selectOption('#node-config-input-authType', 'oauth2');
    await assertShown(oauth2, [...basic, ...apiKey, '#node-config-input-token', '#node-config-input-authorizeUrl']);
    await page.selectOption('#node-config-input-oauth2Grant', 'password');
    await assertShown(basic, ['#node-config-input-authorizeUrl', '#rc-redirectUri']);
    await page.selectOption('#node-config-input-oauth2Grant', 'authorization_code');
    await assertShown(
      ['#node-config-input-authorizeUrl', '#rc-redirectUri', '#rc-authorize', '#node-config-input-usePkce'],
      basic,
    );
    assert.strictEqual(await page.inputValue('#rc-redirectUri'), `${editor.url}rest-connection/callback`);
    assert.strictEqual(await shownText('label[for="rc-redirectUri"]'), 'Redirect URI (callback URL)');
    await assertShown([], ['#rc-redirectUri-warning']);
    assert.match(
      await shownTexts('#rc-tab-auth .rc-note').then((t) => t.join('\n')),
      /Also the refresh token endpoint\./,
    );
    assert.match(
      await shownText('#rc-discover-note'),
      /without \$\{ENV_VAR\} substitution and without this connection's proxy or CA certificate/,
    );
    for (const note of await shownTexts('#rc-tab-auth .rc-uses-deployed, #rc-tab-connection .rc-uses-deployed'))
      assert.match(note, /uses? the deployed settings: deploy your changes first\.$/i);
    assert.strictEqual(await page.isDisabled('#rc-authorize'), true, 'Authorize waits for a deploy');
    await assertShown(['#rc-tab-auth .rc-deploy-hint'], []);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'connection-oauth2.png') });

    // settle on basic authentication
    await page.selectOption('#node-config-input-authType', 'basic');
    await page.fill('#node-config-input-username', 'alice');
    await page.fill('#node-config-input-password', PASSWORD);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'connection-basic.png') });

    await openTab('rc-tab-params');
    await addListRow('rc-headers');
    await addListRow('rc-headers');
    await page.locator('#rc-headers .rc-nv-name').nth(0).fill('Accept');
    await page.locator('#rc-headers .rc-nv-value').nth(0).fill('application/json');
    await page.locator('#rc-headers .rc-nv-name').nth(1).fill('X-Tenant');
    await page.locator('#rc-headers .rc-nv-value').nth(1).fill('${TENANT}');
    await addListRow('rc-cookies');
    await page.locator('#rc-cookies .rc-nv-name').nth(0).fill('session');
    await page.locator('#rc-cookies .rc-nv-value').nth(0).fill('abc');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'connection-headers.png') });

    await openTab('rc-tab-proxy');
    // the credentials also serve a proxy from HTTP_PROXY / HTTPS_PROXY / ALL_PROXY, so they stay visible
    const proxyCredentials = [
      '#node-config-input-proxyDomain',
      '#node-config-input-proxyUsername',
      '#node-config-input-proxyPassword',
      '#rc-proxy-credentials-note',
    ];
    await assertShown(proxyCredentials, ['#node-config-input-proxyUrl', '#node-config-input-noProxy']);
    assert.match(
      await shownText('#rc-proxy-credentials-note'),
      /^Also used for a proxy from HTTP_PROXY \/ HTTPS_PROXY \/ ALL_PROXY \(lower-case names win\)\.$/,
    );
    await page.check('#node-config-input-useProxy');
    await assertShown(['#node-config-input-proxyUrl', '#node-config-input-noProxy', ...proxyCredentials], []);
    await page.uncheck('#node-config-input-useProxy');
    await assertShown(proxyCredentials, ['#node-config-input-proxyUrl']);

    await openTab('rc-tab-tls');
    await assertShown([], ['#rc-tlsVerify-warning']);
    await page.uncheck('#node-config-input-tlsVerify');
    await assertShown(['#rc-tlsVerify-warning'], []);
    await page.selectOption('#node-config-input-tlsMinVersion', 'TLSv1.2');
    await page.click('#rc-clientKey-paste-button');
    await page.fill('#rc-clientKey-paste', CLIENT_KEY);
    assert.strictEqual(await page.textContent('#rc-clientKey-status'), 'pasted');
    await page.setInputFiles('#rc-caCert-file', {
      name: 'ca.pem',
      mimeType: 'text/plain',
      buffer: Buffer.from('-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n'),
    });
    await page.waitForFunction(() => $('#rc-caCert-status').text() === 'loaded from ca.pem');
    assert.match(await page.inputValue('#node-config-input-caCert'), /^-----BEGIN CERTIFICATE-----\nCA\n/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'connection-tls.png') });

    await openTab('rc-tab-limits');
    await page.fill('#rc-timeout', '5000');
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });

    // back in the grid node
    assert.match(await page.locator('#node-input-connection option:checked').textContent(), /Example API/);
    await page.fill('#node-input-path', '/users/{{payload.id}}');
    await addListRow('rest-grid-query');
    await page.locator('#rest-grid-query .rest-tl-name').fill('limit');
    await page.evaluate(() => $('#rest-grid-query .rest-tl-value').typedInput('type', 'num').typedInput('value', '10'));
    await addTypedRow('rest-grid-headers', 'X-Tenant', 'msg', 'payload.tenant');
    await addListRow('rest-grid-columns');
    await page.locator('#rest-grid-columns .rest-col-name').fill('city');
    await page.locator('#rest-grid-columns .rest-col-path').fill('$.address.city');
    await page.fill('#node-input-rowsPath', '$.data');

    const paging = {
      visible: ['#node-input-nextPath', '#node-input-pageParam', '#node-input-pageSizeParam', '#rest-grid-maxPages'],
    };
    await assertShown([], paging.visible);
    await page.selectOption('#node-input-paging', 'nextUrl');
    await assertShown(
      ['#node-input-nextPath', '#node-input-pageSizeParam', '#rest-grid-pageSize', '#rest-grid-maxPages'],
      ['#node-input-pageParam'],
    );
    await page.selectOption('#node-input-paging', 'linkHeader');
    await assertShown(
      ['#node-input-pageSizeParam', '#rest-grid-pageSize', '#rest-grid-maxPages'],
      ['#node-input-pageParam', '#node-input-nextPath'],
    );
    await page.selectOption('#node-input-paging', 'offset');
    await assertShown(
      ['#node-input-pageParam', '#node-input-pageSizeParam', '#rest-grid-pageSize'],
      ['#node-input-nextPath'],
    );
    await page.fill('#node-input-pageParam', 'offset');
    await page.fill('#node-input-pageSizeParam', 'limit');
    await page.fill('#rest-grid-pageSize', '50');
    await assertShown([], ['#node-input-bodyType']);
    await page.selectOption('#node-input-method', 'POST');
    await assertShown(['#node-input-bodyType'], []);
    // the runtime sends a DELETE body when msg.payload is set, so "no body" must be choosable there
    await page.selectOption('#node-input-method', 'DELETE');
    await assertShown(['#node-input-bodyType'], []);
    assert.ok((await page.locator('#node-input-bodyType option').allTextContents()).includes('no body'));
    await page.selectOption('#node-input-method', 'HEAD');
    await assertShown([], ['#node-input-bodyType']);
    await page.selectOption('#node-input-method', 'GET');
    // a JSONPath without the leading $ is what the runtime reads too: no red border
    await page.fill('#node-input-rowsPath', 'data.items');
    await page.locator('#node-input-rowsPath').blur();
    assert.strictEqual(await page.locator('#node-input-rowsPath.input-error').count(), 0, 'data.items is valid');
    await page.fill('#node-input-rowsPath', '$.data');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'grid.png') });
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-path', { state: 'detached' });

    // deploy, then read what the runtime stored
    await page.click('#red-ui-header-button-deploy');
    await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 20000 });
    assert.deepStrictEqual(pageErrors, [], 'no script error in the editor');

    const flowsResponse = await page.request.get(`${editor.url}flows`);
    assert.strictEqual(flowsResponse.status(), 200);
    const flowsText = await flowsResponse.text();
    const flows = JSON.parse(flowsText);
    const connection = flows.find((n) => n.type === 'rest-connection');
    const grid = flows.find((n) => n.type === 'execute-rest-grid');
    assert.ok(connection && grid, 'both nodes deployed');
    assert.strictEqual(grid.connection, connection.id);
    const pick = (node, keys) => Object.fromEntries(keys.map((k) => [k, node[k]]));
    assert.deepStrictEqual(
      pick(connection, ['name', 'baseUrl', 'authType', 'tokenHeader', 'tokenPrefix', 'oauth2Grant', 'usePkce']),
      {
        name: 'Example API',
        baseUrl: 'https://api.example.test/v1',
        authType: 'basic',
        tokenHeader: 'Authorization',
        tokenPrefix: 'Bearer',
        oauth2Grant: 'authorization_code',
        usePkce: true,
      },
    );
    assert.deepStrictEqual(connection.headers, [
      { name: 'Accept', value: 'application/json' },
      { name: 'X-Tenant', value: '${TENANT}' },
    ]);
    assert.deepStrictEqual(connection.cookies, [{ name: 'session', value: 'abc' }]);
    assert.deepStrictEqual(connection.queryParams, []);
    assert.deepStrictEqual(
      pick(connection, ['useProxy', 'tlsVerify', 'tlsMinVersion', 'timeout', 'retries', 'maxResponseBytes']),
      {
        useProxy: false,
        tlsVerify: false,
        tlsMinVersion: 'TLSv1.2',
        timeout: 5000,
        retries: 2,
        maxResponseBytes: 52428800,
      },
    );
    assert.deepStrictEqual(
      pick(grid, ['method', 'path', 'query', 'headers', 'bodyType', 'outputProperty', 'rowsPath', 'columns']),
      {
        method: 'GET',
        path: '/users/{{payload.id}}',
        query: [{ name: 'limit', value: '10', type: 'num' }],
        headers: [{ name: 'X-Tenant', value: 'payload.tenant', type: 'msg' }],
        bodyType: 'json',
        outputProperty: 'payload',
        rowsPath: '$.data',
        columns: [{ name: 'city', path: '$.address.city' }],
      },
    );
    assert.deepStrictEqual(
      pick(grid, ['format', 'split', 'paging', 'pageParam', 'pageSizeParam', 'pageSize', 'maxPages']),
      {
        format: 'objects',
        split: false,
        paging: 'offset',
        pageParam: 'offset',
        pageSizeParam: 'limit',
        pageSize: 50,
        maxPages: 100,
      },
    );

    // secrets: not in /flows, not sent back to the editor, encrypted on disk
    for (const secret of [PASSWORD, 'MIIEvQ-editor-test-key-4b1e', 'BEGIN CERTIFICATE']) {
      assert.ok(!flowsText.includes(secret), `/flows must not contain ${secret}`);
    }
    const credsResponse = await page.request.get(`${editor.url}credentials/rest-connection/${connection.id}`);
    const creds = await credsResponse.json();
    assert.strictEqual(creds.username, 'alice');
    assert.strictEqual(creds.has_password, true);
    assert.strictEqual(creds.has_clientKey, true);
    assert.strictEqual(creds.has_caCert, true);
    assert.strictEqual(creds.has_token, false);
    for (const secret of ['password', 'clientKey', 'caCert']) assert.strictEqual(creds[secret], undefined);
    const onDisk = fs.readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8');
    assert.ok(!onDisk.includes(PASSWORD) && !onDisk.includes('editor-test-key'), 'credentials are encrypted on disk');
  });

  it('reopens the deployed connection with its secrets hidden and Authorize enabled', async function () {
    const id = await connectionId();
    await page.evaluate((connection) => RED.editor.editConfig('', 'rest-connection', connection), id);
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'visible' });
    assert.strictEqual(await page.inputValue('#node-config-input-baseUrl'), 'https://api.example.test/v1');
    assert.strictEqual(
      await page.inputValue('#node-config-input-password'),
      '__PWRD__',
      'password shown as a placeholder',
    );
    assert.strictEqual(await page.inputValue('#node-config-input-clientKey'), '__PWRD__');
    assert.strictEqual(await page.textContent('#rc-clientKey-status'), 'stored (hidden)');
    assert.strictEqual(await page.inputValue('#rc-timeout'), '5000');
    await openTab('rc-tab-params');
    assert.strictEqual(await page.locator('#rc-headers .rc-nv-name').count(), 2);
    await openTab('rc-tab-tls');
    assert.strictEqual(await page.isChecked('#node-config-input-tlsVerify'), false);
    await assertShown(['#rc-tlsVerify-warning'], []);
    await openTab('rc-tab-auth');
    await page.selectOption('#node-config-input-authType', 'oauth2');
    assert.strictEqual(await page.isDisabled('#rc-authorize'), false, 'Authorize is enabled once deployed');
    await assertShown([], ['#rc-tab-auth .rc-deploy-hint']);
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });
  });

  it('shows a scalar node with the default value only for missing: default', async function () {
    await page
      .locator('.red-ui-palette-node[data-palette-type="execute-rest-scalar"]')
      .dragTo(page.locator('#red-ui-workspace-chart'), { targetPosition: { x: 300, y: 320 } });
    await page.waitForFunction(() => RED.nodes.filterNodes({ type: 'execute-rest-scalar' }).length === 1);
    await page.evaluate(() => RED.editor.edit(RED.nodes.filterNodes({ type: 'execute-rest-scalar' })[0]));
    await page.waitForSelector('#node-input-valuePath', { state: 'visible' });
    await page.selectOption('#node-input-connection', { label: 'Example API' });
    await assertShown(['#node-input-valueType', '#node-input-missing'], ['#node-input-defaultValue']);
    await page.selectOption('#node-input-missing', 'default');
    await assertShown(['#node-input-defaultValue'], []);
    await page.fill('#node-input-defaultValue', '0');
    await page.fill('#node-input-valuePath', '$.temperature');
    await page.selectOption('#node-input-valueType', 'number');
    await page.selectOption('#node-input-method', 'use');
    await assertShown(['#node-input-bodyType'], []);
    await addTypedRow('rest-scalar-query', 'city', 'msg', 'payload.city');
    await addTypedRow('rest-scalar-headers', 'X-Request-Id', 'msg', '_msgid');
    await addTypedRow('rest-scalar-headers', 'X-Unit', 'str', 'celsius');
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-valuePath', { state: 'detached' });
    const label = await page.evaluate(() =>
      RED.utils.getNodeLabel(RED.nodes.filterNodes({ type: 'execute-rest-scalar' })[0]),
    );
    assert.strictEqual(label, 'msg.method /');
    await page.click('#red-ui-header-button-deploy');
    await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 20000 });
    const flows = await (await page.request.get(`${editor.url}flows`)).json();
    const scalar = flows.find((n) => n.type === 'execute-rest-scalar');
    const pick = (node, keys) => Object.fromEntries(keys.map((k) => [k, node[k]]));
    assert.deepStrictEqual(
      pick(scalar, ['method', 'valuePath', 'valueType', 'missing', 'defaultValue', 'outputProperty']),
      {
        method: 'use',
        valuePath: '$.temperature',
        valueType: 'number',
        missing: 'default',
        defaultValue: '0',
        outputProperty: 'payload',
      },
    );
    assert.deepStrictEqual(scalar.query, [{ name: 'city', value: 'payload.city', type: 'msg' }]);
    assert.deepStrictEqual(scalar.headers, [
      { name: 'X-Request-Id', value: '_msgid', type: 'msg' },
      { name: 'X-Unit', value: 'celsius', type: 'str' },
    ]);
    assert.deepStrictEqual(pageErrors, [], 'no script error in the editor');
  });

  it('tests the deployed connection, discovers OAuth2 endpoints and starts a login through the admin routes', async function () {
    api = await startHttpServer((req, res) => {
      const json = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/.well-known/openid-configuration') {
        return json(200, {
          issuer: api.url,
          token_endpoint: `${api.url}/oauth/token`,
          authorization_endpoint: `${api.url}/oauth/authorize`,
          revocation_endpoint: `${api.url}/oauth/revoke`,
        });
      }
      if (req.url.startsWith('/oauth/authorize')) return json(200, { login: true });
      json(req.headers.authorization ? 200 : 401, { ok: true });
    });
    const editConnection = async () => {
      const id = await connectionId();
      await page.evaluate((connection) => RED.editor.editConfig('', 'rest-connection', connection), id);
      await page.waitForSelector('#node-config-input-baseUrl', { state: 'visible' });
    };
    const update = async () => {
      await page.click('#node-config-dialog-ok');
      await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });
      await page.click('#red-ui-header-button-deploy');
      await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 20000 });
    };

    // point the connection at the local API, and take the test PEMs out again
    await editConnection();
    await page.fill('#node-config-input-baseUrl', `${api.url}/v1`);
    await openTab('rc-tab-tls');
    await page.click('#rc-clientKey-clear');
    await page.click('#rc-caCert-clear');
    assert.strictEqual(await page.textContent('#rc-clientKey-status'), 'none');
    await update();
    const creds = await (
      await page.request.get(`${editor.url}credentials/rest-connection/${await connectionId()}`)
    ).json();
    assert.strictEqual(creds.has_clientKey, false, 'clearing a PEM removes it');

    await editConnection();
    await page.click('#rc-test');
    await page.waitForFunction(() => /^(OK|Failed)/.test($('#rc-test-result').text()), null, { timeout: 15000 });
    assert.match(await page.textContent('#rc-test-result'), /^OK, status 200, \d+ ms$/);
    const seen = api.requests.find((r) => r.url === '/v1');
    assert.ok(seen, 'the test request reached the API');
    assert.strictEqual(seen.headers.authorization, `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`);
    assert.strictEqual(seen.headers.accept, 'application/json', 'the connection headers set in the editor are sent');
    assert.ok(!(await page.textContent('#rc-test-result')).includes(PASSWORD));

    // OAuth2: Discover fills the endpoints; once deployed, Authorize opens the provider's login
    await openTab('rc-tab-auth');
    await page.selectOption('#node-config-input-authType', 'oauth2');
    await page.selectOption('#node-config-input-oauth2Grant', 'authorization_code');
    await page.fill('#node-config-input-discoveryUrl', `${api.url}/.well-known/openid-configuration`);
    await page.click('#rc-discover');
    await page.waitForFunction(() => $('#node-config-input-tokenUrl').val() !== '', null, { timeout: 15000 });
    assert.strictEqual(await page.inputValue('#node-config-input-tokenUrl'), `${api.url}/oauth/token`);
    assert.strictEqual(await page.inputValue('#node-config-input-authorizeUrl'), `${api.url}/oauth/authorize`);
    assert.strictEqual(await page.inputValue('#node-config-input-revokeUrl'), `${api.url}/oauth/revoke`);
    await page.fill('#node-config-input-clientId', 'editor-client');
    await update();

    await editConnection();
    await openTab('rc-tab-auth');
    const [login] = await Promise.all([page.waitForEvent('popup'), page.click('#rc-authorize')]);
    await login.waitForURL(/\/oauth\/authorize\?/, { timeout: 15000 });
    const loginUrl = new URL(login.url());
    assert.strictEqual(loginUrl.searchParams.get('client_id'), 'editor-client');
    assert.strictEqual(loginUrl.searchParams.get('redirect_uri'), `${editor.url}rest-connection/callback`);
    assert.strictEqual(loginUrl.searchParams.get('code_challenge_method'), 'S256');
    await login.close();
    // the redirect URI shown is the one the runtime sent; here it is the editor's own address
    assert.strictEqual(await page.inputValue('#rc-redirectUri'), `${editor.url}rest-connection/callback`);
    await assertShown([], ['#rc-redirectUri-warning']);

    // behind a reverse proxy the runtime sends another one: the editor shows it and warns
    await page.setExtraHTTPHeaders({ 'x-forwarded-host': 'nodered.example.test' });
    const [proxiedLogin] = await Promise.all([page.waitForEvent('popup'), page.click('#rc-authorize')]);
    await proxiedLogin.waitForURL(/\/oauth\/authorize\?/, { timeout: 15000 });
    await page.setExtraHTTPHeaders({});
    const sentUri = 'http://nodered.example.test/rest-connection/callback';
    assert.strictEqual(new URL(proxiedLogin.url()).searchParams.get('redirect_uri'), sentUri);
    await proxiedLogin.close();
    assert.strictEqual(await page.inputValue('#rc-redirectUri'), sentUri);
    await assertShown(['#rc-redirectUri-warning'], []);
    assert.strictEqual(
      await page.textContent('#rc-redirectUri-warning'),
      `Node-RED sends ${sentUri} as the redirect URI, not ${editor.url}rest-connection/callback as this ` +
        "editor's address suggests: register the one Node-RED sends.",
    );
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });
    assert.deepStrictEqual(pageErrors, [], 'no script error in the editor');
  });

  const connectionId = () =>
    page.evaluate(() => {
      let id;
      RED.nodes.eachConfig((n) => {
        if (n.type === 'rest-connection') id = n.id;
      });
      return id;
    });
});
