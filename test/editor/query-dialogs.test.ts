/**
 * The grid and scalar dialogs in a real editor, against a deployed connection: the fields each
 * choice shows, the typed query and header lists, and what the deployed flow stores. (The grid
 * dialog's first visit, with a new connection, is in connection-dialog.test.ts.)
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { connectionFlow, useEditor } from '../support/editor/editor-session';
import {
  addTypedRow,
  assertShown,
  deploy,
  deployedFlows,
  dropNode,
  editNode,
  pick,
} from '../support/editor/editor-page';

/** A deployed connection named "Example API" on a flow tab. */
const EXAMPLE_FLOW = connectionFlow({
  name: 'Example API',
  baseUrl: 'https://api.example.test/v1',
  authType: 'basic',
  credentials: { username: 'alice', password: 'pw-query-dialogs' },
});

describe('editor: the grid and scalar dialogs', function () {
  this.timeout(120000);
  const editor = useEditor({ flows: EXAMPLE_FLOW });
  let page: Page;
  before(() => {
    page = editor.page;
  });

  it('shows a scalar node with the default value only for missing: default', async function () {
    await dropNode(page, 'execute-rest-scalar', { x: 300, y: 320 });
    await editNode(page, 'execute-rest-scalar', '#node-input-valuePath');
    await page.selectOption('#node-input-connection', { label: 'Example API' });
    await assertShown(page, ['#node-input-valueType', '#node-input-missing'], ['#node-input-defaultValue']);
    await page.selectOption('#node-input-missing', 'default');
    await assertShown(page, ['#node-input-defaultValue'], []);
    await page.fill('#node-input-defaultValue', '0');
    await page.fill('#node-input-valuePath', '$.temperature');
    await page.selectOption('#node-input-valueType', 'number');
    await page.selectOption('#node-input-method', 'use');
    await assertShown(page, ['#node-input-bodyType'], []);
    await addTypedRow(page, 'rest-query-list', 'city', 'msg', 'payload.city');
    await addTypedRow(page, 'rest-headers-list', 'X-Request-Id', 'msg', '_msgid');
    await addTypedRow(page, 'rest-headers-list', 'X-Unit', 'str', 'celsius');
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-valuePath', { state: 'detached' });
    const label = await page.evaluate(() =>
      RED.utils.getNodeLabel(RED.nodes.filterNodes({ type: 'execute-rest-scalar' })[0]!),
    );
    assert.equal(label, 'msg.method /');
    await deploy(page);
    const { flows } = await deployedFlows(page, editor.server.url);
    const scalar = flows.find((n) => n.type === 'execute-rest-scalar');
    assert.ok(scalar, 'the scalar node is deployed');
    assert.deepEqual(pick(scalar, ['method', 'valuePath', 'valueType', 'missing', 'defaultValue', 'outputProperty']), {
      method: 'use',
      valuePath: '$.temperature',
      valueType: 'number',
      missing: 'default',
      defaultValue: '0',
      outputProperty: 'payload',
    });
    assert.deepEqual(scalar.query, [{ name: 'city', value: 'payload.city', type: 'msg' }]);
    assert.deepEqual(scalar.headers, [
      { name: 'X-Request-Id', value: '_msgid', type: 'msg' },
      { name: 'X-Unit', value: 'celsius', type: 'str' },
    ]);
    assert.deepEqual(editor.pageErrors, [], 'no script error in the editor');
  });
});
