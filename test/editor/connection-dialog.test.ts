/**
 * The rest-connection dialog in a real editor, reached the way a user reaches it: a new
 * connection from a grid node's Connection field, the fields each authentication type shows,
 * lists, proxy, TLS and limits; what the deployed flow stores (contract names, secrets only as
 * encrypted credentials); reopening it; Test connection, Discover and Authorize against a
 * loopback API.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { json, startServer, type LoopbackServer } from '../support/loopback-server';
import { useEditor } from '../support/editor/editor-session';
import {
  addListRow,
  addTypedRow,
  assertShown,
  connectionId,
  deployedFlows,
  editConnection,
  openTab,
  pick,
  shownText,
  shownTexts,
} from '../support/editor/editor-page';

const PASSWORD = 'pw-4f7c1d9e-never-in-flows';
const CLIENT_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQ-editor-test-key-4b1e\nline2\n-----END PRIVATE KEY-----';

describe('editor: the connection dialog', function () {
  this.timeout(120000);
  const editor = useEditor();
  let page: Page;
  let api: LoopbackServer | undefined;
  before(() => {
    page = editor.page;
  });
  after(() => api?.close());

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

    await openTab(page, 'rc-tab-auth');
    const basic = ['#node-config-input-username', '#node-config-input-password'];
    const bearer = ['#node-config-input-token', '#rc-isBearer', '#node-config-input-tokenPrefix'];
    const apiKey = ['#node-config-input-apiKey', '#node-config-input-apiKeyName', '#node-config-input-apiKeyIn'];
    const oauth2 = ['#node-config-input-oauth2Grant', '#node-config-input-tokenUrl', '#node-config-input-clientId'];
    await assertShown(page, [], [...basic, ...bearer, ...apiKey, ...oauth2]);

    await page.selectOption('#node-config-input-authType', 'basic');
    await assertShown(page, basic, [...bearer, ...apiKey, ...oauth2]);

    await page.selectOption('#node-config-input-authType', 'apiKey');
    await assertShown(page, apiKey, [...basic, ...bearer, ...oauth2]);

    await page.selectOption('#node-config-input-authType', 'bearer');
    await assertShown(page, bearer, [...basic, ...apiKey, ...oauth2]);
    assert.equal(await page.isChecked('#rc-isBearer'), true);
    await page.uncheck('#rc-isBearer');
    assert.equal(await page.inputValue('#node-config-input-tokenPrefix'), '');
    await page.check('#rc-isBearer');
    assert.equal(await page.inputValue('#node-config-input-tokenPrefix'), 'Bearer');
    await page.fill('#node-config-input-tokenPrefix', '');
    assert.equal(await page.isChecked('#rc-isBearer'), false, 'emptying the prefix unticks "is bearer"');
    await page.fill('#node-config-input-tokenPrefix', 'Bearer');
    assert.equal(await page.isChecked('#rc-isBearer'), true);

    await page.selectOption('#node-config-input-authType', 'oauth2');
    await assertShown(page, oauth2, [
      ...basic,
      ...apiKey,
      '#node-config-input-token',
      '#node-config-input-authorizeUrl',
    ]);
    await page.selectOption('#node-config-input-oauth2Grant', 'password');
    await assertShown(page, basic, ['#node-config-input-authorizeUrl', '#rc-redirectUri']);
    await page.selectOption('#node-config-input-oauth2Grant', 'authorization_code');
    await assertShown(
      page,
      ['#node-config-input-authorizeUrl', '#rc-redirectUri', '#rc-authorize', '#node-config-input-usePkce'],
      basic,
    );
    assert.equal(await page.inputValue('#rc-redirectUri'), `${editor.server.url}rest-connection/callback`);
    assert.equal(await shownText(page, 'label[for="rc-redirectUri"]'), 'Redirect URI (callback URL)');
    await assertShown(page, [], ['#rc-redirectUri-warning']);
    assert.match(
      await shownTexts(page, '#rc-tab-auth .rest-note').then((t) => t.join('\n')),
      /Also the refresh token endpoint\./,
    );
    assert.match(
      await shownText(page, '#rc-discover-note'),
      /without \$\{ENV_VAR\} substitution and without this connection's proxy or CA certificate/,
    );
    for (const note of await shownTexts(page, '#rc-tab-auth .rc-uses-deployed, #rc-tab-connection .rc-uses-deployed'))
      assert.match(note, /uses? the deployed settings: deploy your changes first\.$/i);
    assert.equal(await page.isDisabled('#rc-authorize'), true, 'Authorize waits for a deploy');
    await assertShown(page, ['#rc-tab-auth .rc-deploy-hint'], []);

    // settle on basic authentication
    await page.selectOption('#node-config-input-authType', 'basic');
    await page.fill('#node-config-input-username', 'alice');
    await page.fill('#node-config-input-password', PASSWORD);

    await openTab(page, 'rc-tab-params');
    await addListRow(page, 'rc-headers');
    await addListRow(page, 'rc-headers');
    await page.locator('#rc-headers .rc-nv-name').nth(0).fill('Accept');
    await page.locator('#rc-headers .rc-nv-value').nth(0).fill('application/json');
    await page.locator('#rc-headers .rc-nv-name').nth(1).fill('X-Tenant');
    await page.locator('#rc-headers .rc-nv-value').nth(1).fill('${TENANT}');
    await addListRow(page, 'rc-cookies');
    await page.locator('#rc-cookies .rc-nv-name').nth(0).fill('session');
    await page.locator('#rc-cookies .rc-nv-value').nth(0).fill('abc');

    await openTab(page, 'rc-tab-proxy');
    // the credentials also serve a proxy from HTTP_PROXY / HTTPS_PROXY / ALL_PROXY, so they stay visible
    const proxyCredentials = [
      '#node-config-input-proxyDomain',
      '#node-config-input-proxyUsername',
      '#node-config-input-proxyPassword',
      '#rc-proxy-credentials-note',
    ];
    await assertShown(page, proxyCredentials, ['#node-config-input-proxyUrl', '#node-config-input-noProxy']);
    assert.match(
      await shownText(page, '#rc-proxy-credentials-note'),
      /^Also used for a proxy from HTTP_PROXY \/ HTTPS_PROXY \/ ALL_PROXY \(lower-case names win\)\.$/,
    );
    await page.check('#node-config-input-useProxy');
    await assertShown(page, ['#node-config-input-proxyUrl', '#node-config-input-noProxy', ...proxyCredentials], []);
    await page.uncheck('#node-config-input-useProxy');
    await assertShown(page, proxyCredentials, ['#node-config-input-proxyUrl']);

    await openTab(page, 'rc-tab-tls');
    await assertShown(page, [], ['#rc-tlsVerify-warning']);
    await page.uncheck('#node-config-input-tlsVerify');
    await assertShown(page, ['#rc-tlsVerify-warning'], []);
    await page.selectOption('#node-config-input-tlsMinVersion', 'TLSv1.2');
    await page.click('#rc-clientKey-paste-button');
    await page.fill('#rc-clientKey-paste', CLIENT_KEY);
    assert.equal(await page.textContent('#rc-clientKey-status'), 'pasted');
    await page.setInputFiles('#rc-caCert-file', {
      name: 'ca.pem',
      mimeType: 'text/plain',
      buffer: Buffer.from('-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n'),
    });
    await page.waitForFunction(() => $('#rc-caCert-status').text() === 'loaded from ca.pem');
    assert.match(await page.inputValue('#node-config-input-caCert'), /^-----BEGIN CERTIFICATE-----\nCA\n/);

    await openTab(page, 'rc-tab-limits');
    await page.fill('#node-config-input-timeout', '5000');
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });

    // back in the grid node
    assert.match(await shownText(page, '#node-input-connection option:checked'), /Example API/);
    await page.fill('#node-input-path', '/users/{{payload.id}}');
    await addListRow(page, 'rest-query-list');
    await page.locator('#rest-query-list .rest-tl-name').fill('limit');
    await page.evaluate(() => {
      const value = $('#rest-query-list .rest-tl-value');
      value.typedInput('type', 'num');
      value.typedInput('value', '10');
    });
    await addTypedRow(page, 'rest-headers-list', 'X-Tenant', 'msg', 'payload.tenant');
    await addListRow(page, 'rest-columns-list');
    await page.locator('#rest-columns-list .rest-col-name').fill('city');
    await page.locator('#rest-columns-list .rest-col-path').fill('$.address.city');
    await page.fill('#node-input-rowsPath', '$.data');

    const paging = {
      visible: ['#node-input-nextPath', '#node-input-pageParam', '#node-input-pageSizeParam', '#node-input-maxPages'],
    };
    await assertShown(page, [], paging.visible);
    await page.selectOption('#node-input-paging', 'nextUrl');
    await assertShown(
      page,
      ['#node-input-nextPath', '#node-input-pageSizeParam', '#node-input-pageSize', '#node-input-maxPages'],
      ['#node-input-pageParam'],
    );
    await page.selectOption('#node-input-paging', 'linkHeader');
    await assertShown(
      page,
      ['#node-input-pageSizeParam', '#node-input-pageSize', '#node-input-maxPages'],
      ['#node-input-pageParam', '#node-input-nextPath'],
    );
    await page.selectOption('#node-input-paging', 'offset');
    await assertShown(
      page,
      ['#node-input-pageParam', '#node-input-pageSizeParam', '#node-input-pageSize'],
      ['#node-input-nextPath'],
    );
    await page.fill('#node-input-pageParam', 'offset');
    await page.fill('#node-input-pageSizeParam', 'limit');
    await page.fill('#node-input-pageSize', '50');
    await assertShown(page, [], ['#node-input-bodyType']);
    await page.selectOption('#node-input-method', 'POST');
    await assertShown(page, ['#node-input-bodyType'], []);
    // the runtime sends a DELETE body when msg.payload is set, so "no body" must be choosable there
    await page.selectOption('#node-input-method', 'DELETE');
    await assertShown(page, ['#node-input-bodyType'], []);
    assert.ok((await page.locator('#node-input-bodyType option').allTextContents()).includes('no body'));
    await page.selectOption('#node-input-method', 'HEAD');
    await assertShown(page, [], ['#node-input-bodyType']);
    await page.selectOption('#node-input-method', 'GET');
    // a JSONPath without the leading $ is what the runtime reads too: no red border
    await page.fill('#node-input-rowsPath', 'data.items');
    await page.locator('#node-input-rowsPath').blur();
    assert.equal(await page.locator('#node-input-rowsPath.input-error').count(), 0, 'data.items is valid');
    await page.fill('#node-input-rowsPath', '$.data');
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-path', { state: 'detached' });

    // deploy, then read what the runtime stored
    await page.click('#red-ui-header-button-deploy');
    await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 20000 });
    assert.deepEqual(editor.pageErrors, [], 'no script error in the editor');

    const { flows, text: flowsText } = await deployedFlows(page, editor.server.url);
    const connection = flows.find((n) => n.type === 'rest-connection');
    const grid = flows.find((n) => n.type === 'execute-rest-grid');
    assert.ok(connection && grid, 'both nodes deployed');
    assert.equal(grid.connection, connection.id);
    assert.deepEqual(
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
    assert.deepEqual(connection.headers, [
      { name: 'Accept', value: 'application/json' },
      { name: 'X-Tenant', value: '${TENANT}' },
    ]);
    assert.deepEqual(connection.cookies, [{ name: 'session', value: 'abc' }]);
    assert.deepEqual(connection.queryParams, []);
    assert.deepEqual(
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
    assert.deepEqual(
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
    assert.deepEqual(pick(grid, ['format', 'split', 'paging', 'pageParam', 'pageSizeParam', 'pageSize', 'maxPages']), {
      format: 'objects',
      split: false,
      paging: 'offset',
      pageParam: 'offset',
      pageSizeParam: 'limit',
      pageSize: 50,
      maxPages: 100,
    });

    // secrets: not in /flows, not sent back to the editor, encrypted on disk
    for (const secret of [PASSWORD, 'MIIEvQ-editor-test-key-4b1e', 'BEGIN CERTIFICATE']) {
      assert.ok(!flowsText.includes(secret), `/flows must not contain ${secret}`);
    }
    const credsResponse = await page.request.get(
      `${editor.server.url}credentials/rest-connection/${String(connection.id)}`,
    );
    const creds = (await credsResponse.json()) as Record<string, unknown>;
    assert.equal(creds.username, 'alice');
    assert.equal(creds.has_password, true);
    assert.equal(creds.has_clientKey, true);
    assert.equal(creds.has_caCert, true);
    assert.equal(creds.has_token, false);
    for (const secret of ['password', 'clientKey', 'caCert']) assert.equal(creds[secret], undefined);
    const onDisk = fs.readFileSync(path.join(editor.userDir, 'flows_cred.json'), 'utf8');
    assert.ok(!onDisk.includes(PASSWORD) && !onDisk.includes('editor-test-key'), 'credentials are encrypted on disk');
  });

  it('reopens the deployed connection with its secrets hidden and Authorize enabled', async function () {
    await editConnection(page);
    assert.equal(await page.inputValue('#node-config-input-baseUrl'), 'https://api.example.test/v1');
    assert.equal(await page.inputValue('#node-config-input-password'), '__PWRD__', 'password shown as a placeholder');
    assert.equal(await page.inputValue('#node-config-input-clientKey'), '__PWRD__');
    assert.equal(await page.textContent('#rc-clientKey-status'), 'stored (hidden)');
    assert.equal(await page.inputValue('#node-config-input-timeout'), '5000');
    await openTab(page, 'rc-tab-params');
    assert.equal(await page.locator('#rc-headers .rc-nv-name').count(), 2);
    await openTab(page, 'rc-tab-tls');
    assert.equal(await page.isChecked('#node-config-input-tlsVerify'), false);
    await assertShown(page, ['#rc-tlsVerify-warning'], []);
    await openTab(page, 'rc-tab-auth');
    await page.selectOption('#node-config-input-authType', 'oauth2');
    assert.equal(await page.isDisabled('#rc-authorize'), false, 'Authorize is enabled once deployed');
    await assertShown(page, [], ['#rc-tab-auth .rc-deploy-hint']);
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });
  });

  it('tests the deployed connection, discovers OAuth2 endpoints and starts a login through the admin routes', async function () {
    api = await startServer({
      handler: (req, res) => {
        const origin = api?.url ?? '';
        if (req.url === '/.well-known/openid-configuration') {
          return json(res, 200, {
            issuer: origin,
            token_endpoint: `${origin}/oauth/token`,
            authorization_endpoint: `${origin}/oauth/authorize`,
            revocation_endpoint: `${origin}/oauth/revoke`,
          });
        }
        if (req.url?.startsWith('/oauth/authorize')) return json(res, 200, { login: true });
        json(res, req.headers.authorization ? 200 : 401, { ok: true });
      },
    });
    const url = api.url;
    const update = async () => {
      await page.click('#node-config-dialog-ok');
      await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });
      await page.click('#red-ui-header-button-deploy');
      await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 20000 });
    };

    // point the connection at the local API, and take the test PEMs out again
    await editConnection(page);
    await page.fill('#node-config-input-baseUrl', `${url}/v1`);
    await openTab(page, 'rc-tab-tls');
    await page.click('#rc-clientKey-clear');
    await page.click('#rc-caCert-clear');
    assert.equal(await page.textContent('#rc-clientKey-status'), 'none');
    await update();
    const creds = (await (
      await page.request.get(`${editor.server.url}credentials/rest-connection/${await connectionId(page)}`)
    ).json()) as Record<string, unknown>;
    assert.equal(creds.has_clientKey, false, 'clearing a PEM removes it');

    await editConnection(page);
    await page.click('#rc-test');
    await page.waitForFunction(() => /^(OK|Failed)/.test($('#rc-test-result').text()), null, { timeout: 15000 });
    assert.match(await shownText(page, '#rc-test-result'), /^OK, status 200, \d+ ms$/);
    const seen = api.requests.find((r) => r.url === '/v1');
    assert.ok(seen, 'the test request reached the API');
    assert.equal(seen.headers.authorization, `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`);
    assert.equal(seen.headers.accept, 'application/json', 'the connection headers set in the editor are sent');
    assert.ok(!(await shownText(page, '#rc-test-result')).includes(PASSWORD));

    // OAuth2: Discover fills the endpoints; once deployed, Authorize opens the provider's login
    await openTab(page, 'rc-tab-auth');
    await page.selectOption('#node-config-input-authType', 'oauth2');
    await page.selectOption('#node-config-input-oauth2Grant', 'authorization_code');
    await page.fill('#node-config-input-discoveryUrl', `${url}/.well-known/openid-configuration`);
    await page.click('#rc-discover');
    await page.waitForFunction(() => $('#node-config-input-tokenUrl').val() !== '', null, { timeout: 15000 });
    assert.equal(await page.inputValue('#node-config-input-tokenUrl'), `${url}/oauth/token`);
    assert.equal(await page.inputValue('#node-config-input-authorizeUrl'), `${url}/oauth/authorize`);
    assert.equal(await page.inputValue('#node-config-input-revokeUrl'), `${url}/oauth/revoke`);
    await page.fill('#node-config-input-clientId', 'editor-client');
    await update();

    await editConnection(page);
    await openTab(page, 'rc-tab-auth');
    const [login] = await Promise.all([page.waitForEvent('popup'), page.click('#rc-authorize')]);
    await login.waitForURL(/\/oauth\/authorize\?/, { timeout: 15000 });
    const loginUrl = new URL(login.url());
    assert.equal(loginUrl.searchParams.get('client_id'), 'editor-client');
    assert.equal(loginUrl.searchParams.get('redirect_uri'), `${editor.server.url}rest-connection/callback`);
    assert.equal(loginUrl.searchParams.get('code_challenge_method'), 'S256');
    await login.close();
    // the redirect URI shown is the one the runtime sent; here it is the editor's own address
    assert.equal(await page.inputValue('#rc-redirectUri'), `${editor.server.url}rest-connection/callback`);
    await assertShown(page, [], ['#rc-redirectUri-warning']);

    // behind a reverse proxy the runtime sends another one: the editor shows it and warns
    await page.setExtraHTTPHeaders({ 'x-forwarded-host': 'nodered.example.test' });
    const [proxiedLogin] = await Promise.all([page.waitForEvent('popup'), page.click('#rc-authorize')]);
    await proxiedLogin.waitForURL(/\/oauth\/authorize\?/, { timeout: 15000 });
    await page.setExtraHTTPHeaders({});
    const sentUri = 'http://nodered.example.test/rest-connection/callback';
    assert.equal(new URL(proxiedLogin.url()).searchParams.get('redirect_uri'), sentUri);
    await proxiedLogin.close();
    assert.equal(await page.inputValue('#rc-redirectUri'), sentUri);
    await assertShown(page, ['#rc-redirectUri-warning'], []);
    assert.equal(
      await page.textContent('#rc-redirectUri-warning'),
      `Node-RED sends ${sentUri} as the redirect URI, not ${editor.server.url}rest-connection/callback as this ` +
        "editor's address suggests: register the one Node-RED sends.",
    );
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });
    assert.deepEqual(editor.pageErrors, [], 'no script error in the editor');
  });
});
