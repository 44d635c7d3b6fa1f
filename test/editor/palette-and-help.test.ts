/**
 * The three node types in a real editor: palette labels and icons, the editor scripts built in
 * (no globals, no extra script fetched, every shared part filled in), and the help texts.
 */
import assert from 'node:assert/strict';
import { NODE_TYPES, useEditor } from '../support/editor/editor-session';
import { normalized } from '../support/editor/editor-page';

describe('editor: palette, editor scripts and help', function () {
  this.timeout(60000);
  const editor = useEditor();

  it('registers the three node types, with their palette labels and icons', async function () {
    const { page } = editor;
    for (const [type, label, icon] of [
      ['execute-rest-grid', 'rest grid', 'rest-grid.svg'],
      ['execute-rest-scalar', 'rest scalar', 'rest-scalar.svg'],
    ] as const) {
      const entry = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
      assert.equal(await entry.count(), 1, `${type} in the palette`);
      assert.equal(normalized(await entry.locator('.red-ui-palette-label').textContent()), label);
      const background = await entry.locator('.red-ui-palette-icon').evaluate((el) => el.style.backgroundImage);
      assert.match(background, new RegExp(icon.replace('.', '\\.')), `${type} palette icon`);
    }
    const def = await page.evaluate(() => {
      const d = RED.nodes.getType('rest-connection')!;
      return { category: d.category, icon: d.icon };
    });
    assert.deepEqual(def, { category: 'config', icon: 'rest-connection.svg' });

    // the editor code the nodes share is built into each node's editor, in its own function scope
    assert.deepEqual(editor.resourceResponses, [], 'no editor script is fetched from resources/');
    assert.deepEqual(
      await page.evaluate(() => ['RestEditor', 'RestQueryEditor', 'DEFINITIONS'].filter((name) => name in window)),
      [],
      'the editors add no globals to the page',
    );
    for (const type of ['execute-rest-grid', 'execute-rest-scalar']) {
      const template = await page.evaluate((t) => $(`script[data-template-name="${t}"]`).html(), type);
      assert.doesNotMatch(template, /<!-- include/, `${type}: every shared part was put in by the build`);
      for (const id of ['node-input-name', 'node-input-connection', 'node-input-bodyType', 'node-input-outputProperty'])
        assert.equal(template.split(`id="${id}"`).length, 2, `${type} has #${id} once`);
    }
    // rest-connection's rows are plain Node-RED form rows, each input once, with Node-RED's ids
    const connection = await page.evaluate(() => $('script[data-template-name="rest-connection"]').html());
    for (const id of [
      'node-config-input-tokenUrl',
      'node-config-input-proxyPassword',
      'node-config-input-retryNonIdempotent',
      'node-config-input-caCert',
      'node-config-input-clientKey',
      'node-config-input-clientCert',
      'rc-isBearer',
      'node-config-input-timeout',
      'node-config-input-maxQueued',
    ])
      assert.equal(connection.split(`id="${id}"`).length, 2, `rest-connection has #${id} once`);
    // the five certificate and key rows hold their label and hidden input; pemField adds the controls
    assert.equal(connection.split('class="form-row rc-pem"').length, 6, 'rest-connection has five certificate rows');
    for (const icon of ['rest-grid.svg', 'rest-scalar.svg', 'rest-connection.svg']) {
      const res = await page.request.get(`${editor.server.url}icons/@rest-nodes/node-red-rest-connection/${icon}`);
      assert.equal(res.status(), 200, `${icon} is served`);
      assert.match(await res.text(), /<svg[\s\S]*viewBox="0 0 40 60"/);
    }
  });

  it('has help text for every node type, with inputs, outputs and error codes', async function () {
    // The help's source is formatted by Prettier: white space as the browser renders it (runs of it
    // are one space, and none counts around block elements).
    const help = (
      await editor.page.evaluate((types) => types.map((t) => RED.nodes.getNodeHelp(t) || ''), NODE_TYPES)
    ).map((text) => text.replace(/\s+/g, ' ').replace(/\s*(<\/?(?:p|h3|dl|dt|dd|ul|li)\b[^>]*>)\s*/g, '$1'));
    const [connection = '', grid = '', scalar = ''] = help;
    for (const word of ['Base URL', 'Redirect URI', 'Test connection', 'SSL 3', '${ENV_VAR}'])
      assert.ok(connection.includes(word), word);
    for (const text of [grid, scalar]) {
      assert.match(text, /<h3>Inputs<\/h3>\s*<dl class="message-properties">/);
      assert.match(text, /<h3>Outputs<\/h3>/);
      assert.match(text, /<h3>Details<\/h3>/);
      for (const word of ['msg.statusCode', 'responseUrl', '{{payload.id}}', '${ENV_VAR}'])
        assert.ok(text.includes(word), word);
      for (const code of ['ERR_HTTP_STATUS', 'ERR_TIMEOUT', 'ERR_TLS', 'ERR_PROXY', 'ERR_AUTH', 'ERR_JSONPATH'])
        assert.ok(text.includes(code), code);
      for (const code of ['ERR_CONFIG', 'ERR_RESPONSE_TOO_LARGE', 'ERR_NOT_JSON', 'ERR_ORIGIN', 'ERR_NETWORK'])
        assert.ok(text.includes(code), code);
    }
    assert.match(grid, /rowCount[\s\S]*columns[\s\S]*parts/);
    assert.match(scalar, /ERR_VALUE/);

    // what the runtime really does, in the words a user reads
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
      const errorList = (code: string) => text.match(new RegExp(`<dt>${code}</dt><dd>([\\s\\S]*?)</dd>`))?.[1] ?? '';
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
    assert.deepEqual(editor.pageErrors, [], 'no script error in the editor');
  });
});
