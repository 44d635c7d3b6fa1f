import assert from 'node:assert/strict';
import { editConnection, editNode, dropNode, openTab, shownText } from '../support/editor/editor-page';
import { docImagePath, useEditor } from '../support/editor/editor-session';
import { json, startServer, type LoopbackServer } from '../support/loopback-server';
import { startAuthServer, type AuthServer } from '../support/oauth2-server';
import { assertNoSecret } from '../support/secret-scan';

const PASSWORD = 'pw-preview-7c2e91d4-secret';
const USERS = Array.from({ length: 30 }, (_, i) => ({
  id: i + 1,
  name: `User ${i + 1}`,
  email: `user${i + 1}@example.com`,
  address: { city: ['London', 'Paris', 'Berlin'][i % 3] },
}));

describe('editor (browser): test before deploy and preview', function () {
  this.timeout(120000);
  let api: LoopbackServer;
  let auth: AuthServer;

  before(async () => {
    auth = await startAuthServer();
    api = await startServer({
      handler: (_req, res, received) => {
        if (received.path === '/v1') return json(res, 200, { service: 'open' });
        const expected = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
        if (received.headers.authorization !== expected) return json(res, 401, { error: 'unauthorized' });
        if (received.path === '/v1/me') return json(res, 200, { user: 'alice' });
        if (received.path === '/v1/users') return json(res, 200, { data: { items: USERS, total: USERS.length } });
        if (received.path === '/v1/status')
          return json(res, 200, { service: { version: '2.4.1', healthy: true, load: 0.42 } });
        json(res, 404, { error: 'not found' });
      },
    });
  });
  after(() => Promise.all([api.close(), auth.stop()]));
  const editor = useEditor();

  const text = (selector: string) => shownText(editor.page, selector);
  async function addNode(type: string, y: number) {
    await dropNode(editor.page, type, { x: 300, y });
    await editNode(editor.page, type, '#node-input-path');
  }
  async function runTest(): Promise<string> {
    const { page } = editor;
    await page.click('#rc-test');
    await page.waitForFunction(() => /^(OK|Failed)/.test($('#rc-test-result').text()), null, { timeout: 15000 });
    return text('#rc-test-result');
  }
  async function runPreview(): Promise<string> {
    const { page } = editor;
    await page.evaluate(() => {
      $('#rest-preview-status').text('');
    });
    await page.click('#rest-preview-run');
    await page.waitForFunction(() => /^(\d|ERR)/.test($('#rest-preview-status').text()), null, { timeout: 15000 });
    return text('#rest-preview-status');
  }

  it('tests a NEW connection before deploy: OK with the right password, a failed 401 with a wrong one', async () => {
    const { page } = editor;
    await addNode('execute-rest-grid', 200);
    await page.click('#node-input-btn-connection-add');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'visible' });
    await page.fill('#node-config-input-name', 'Preview API');
    await page.fill('#node-config-input-baseUrl', `${api.url}/v1`);
    // labels and notes from the node's catalog (nodes/shared/locales/en-US/preview.json), not their keys
    assert.equal(await text('label[for="node-config-input-testPath"]'), 'Test path');
    assert.equal(await text('#rc-test'), 'Test connection');
    assert.match(await text('#rc-test-note'), /^Tests the settings of this dialog, also before deploy\./);
    await page.fill('#node-config-input-testPath', '/me');
    assert.equal(await page.isDisabled('#rc-test'), false, 'Test works before deploy');
    await openTab(page, 'rc-tab-auth');
    await page.selectOption('#node-config-input-authType', 'basic');
    await page.fill('#node-config-input-username', 'alice');
    await page.fill('#node-config-input-password', 'not-the-password');
    await openTab(page, 'rc-tab-connection');

    const failed = await runTest();
    assert.match(
      failed,
      /^Failed, status 401, \d+ ms, ERR_AUTH: The API refused the credentials: HTTP 401 Unauthorized/,
    );
    assert.equal(api.requests.at(-1)?.path, '/v1/me', 'the test path was requested');

    await openTab(page, 'rc-tab-auth');
    await page.fill('#node-config-input-password', PASSWORD);
    await openTab(page, 'rc-tab-connection');
    assert.match(await runTest(), /^OK, status 200, \d+ ms$/);
    assertNoSecret(await text('.red-ui-tray'), [PASSWORD], { users: ['alice'] });

    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });
    assert.match(await text('#node-input-connection option:checked'), /Preview API/);
  });

  it('previews the grid (not deployed): the table of rows; a click on an array sets rowsPath, on a field adds a column', async () => {
    const { page } = editor;
    await page.fill('#node-input-path', '/users');
    const first = await runPreview();
    assert.match(first, /^200 · 1 rows, pages read: 1/, 'rowsPath $: the whole object is one row');
    assert.equal(await page.locator('#rest-preview-tree .rest-json-node[data-path="$.data.items"]').count(), 1);

    // the array becomes the rows
    await page.click('#rest-preview-tree .rest-json-node[data-path="$.data.items"] > .rest-json-line');
    assert.equal(await page.inputValue('#node-input-rowsPath'), '$.data.items');
    await page.waitForFunction(() => /30 rows/.test($('#rest-preview-status').text()), null, { timeout: 15000 });
    assert.match(await text('#rest-preview-status'), /^200 · 30 rows, pages read: 1 · the first 20 shown$/);
    assert.equal(await page.locator('#rest-preview-rows tbody tr').count(), 20);
    assert.equal(await text('#rest-preview-rows tbody tr:first-child td:nth-child(3)'), 'User 1');

    // fields of a row become columns, named after their key, their path relative to the row
    await page.click(
      '#rest-preview-tree .rest-json-node[data-path="$.data.items"] > .rest-json-line .rest-json-toggle',
    );
    await page.click(
      '#rest-preview-tree .rest-json-node[data-path="$.data.items[0]"] > .rest-json-line .rest-json-toggle',
    );
    await page.click('#rest-preview-tree .rest-json-node[data-path="$.data.items[0].name"] > .rest-json-line');
    await page.waitForSelector('#rest-preview-rows th:nth-child(3)', { state: 'detached', timeout: 15000 });
    await page.click(
      '#rest-preview-tree .rest-json-node[data-path="$.data.items[0].address"] > .rest-json-line .rest-json-toggle',
    );
    await page.click('#rest-preview-tree .rest-json-node[data-path="$.data.items[0].address.city"] > .rest-json-line');
    await page.waitForFunction(() => $('#rest-preview-rows th').text() === '#namecity', null, { timeout: 15000 });
    const columns = await page.evaluate(() =>
      $('#rest-columns-list')
        .editableList('items')
        .map(function (this: HTMLElement) {
          return `${String($(this).find('.rest-col-name').val())} = ${String($(this).find('.rest-col-path').val())}`;
        })
        .get(),
    );
    assert.deepEqual(columns, ['name = $.name', 'city = $.address.city']);
    assert.equal(await text('#rest-preview-rows tbody tr:nth-child(2) td:nth-child(3)'), 'Paris');
    assertNoSecret(await text('.red-ui-tray'), [PASSWORD], { users: ['alice'] });
    await page.locator('.red-ui-tray').screenshot({ path: docImagePath('preview.png') });
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-path', { state: 'detached' });
  });

  it('previews the scalar: a click sets valuePath, the value is shown with its type; a sample msg is used', async () => {
    const { page } = editor;
    await addNode('execute-rest-scalar', 320);
    await page.selectOption('#node-input-connection', { label: 'Preview API' });
    await page.fill('#node-input-path', '/status');
    await runPreview();
    await page.click('#rest-preview-tree .rest-json-node[data-path="$.service.version"] > .rest-json-line');
    assert.equal(await page.inputValue('#node-input-valuePath'), '$.service.version');
    await page.waitForFunction(() => $('#rest-preview-value').text() === '"2.4.1"', null, { timeout: 15000 });
    assert.equal(await text('#rest-preview-type'), 'string');

    await page.click('#rest-preview-tree .rest-json-node[data-path="$.service.load"] > .rest-json-line');
    await page.waitForFunction(() => $('#rest-preview-value').text() === '0.42', null, { timeout: 15000 });
    assert.equal(await text('#rest-preview-type'), 'number');

    await page.selectOption('#node-input-valueType', 'string');
    assert.match(await runPreview(), /^200 · value found/);
    assert.equal(await text('#rest-preview-value'), '"0.42"');
    assert.equal(await text('#rest-preview-type'), 'string');

    // the sample msg fills the path's placeholders; bad JSON is marked and not sent
    await page.fill('#node-input-path', '/{{payload.what}}');
    await page.fill('#rest-preview-msg', '{"payload": ');
    const sent = api.requests.length;
    await page.click('#rest-preview-run');
    assert.match(await text('#rest-preview-status'), /^The sample msg is not valid JSON/);
    assert.equal(await page.locator('#rest-preview-msg.input-error').count(), 1);
    assert.equal(api.requests.length, sent, 'nothing was sent');
    await page.fill('#rest-preview-msg', '{"payload": {"what": "status"}}');
    assert.match(await runPreview(), /^200/);
    assert.equal(api.requests.at(-1)?.path, '/v1/status');
    await page.click('#node-dialog-cancel');
    await page.waitForSelector('#node-input-path', { state: 'detached' });
    assert.deepEqual(editor.pageErrors, [], 'no script error in the editor');
  });

  it('shows the expiry and scopes of the OAuth2 token after a test, and no secret', async () => {
    const { page } = editor;
    await editConnection(page);
    await page.fill('#node-config-input-testPath', '');
    await openTab(page, 'rc-tab-auth');
    await page.selectOption('#node-config-input-authType', 'oauth2');
    await page.selectOption('#node-config-input-oauth2Grant', 'client_credentials');
    await page.fill('#node-config-input-tokenUrl', auth.tokenUrl);
    await page.fill('#node-config-input-scope', 'read write');
    await page.fill('#node-config-input-clientId', 'test-client');
    await page.fill('#node-config-input-clientSecret', 'client-secret-value-123');
    await openTab(page, 'rc-tab-connection');
    assert.match(await runTest(), /^OK, status 200, \d+ ms$/);
    assert.match(await text('#rc-test-note'), /^Token valid until .+ \((59|60) min\); scopes: read write$/);
    assert.equal(auth.count('client_credentials'), 1);
    assertNoSecret(await text('.red-ui-tray'), [
      'client-secret-value-123',
      ...auth.ledger.tokenRequests.map((r) => r.accessToken ?? '').filter(Boolean),
    ]);
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });
  });
});
