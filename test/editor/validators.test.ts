/**
 * The editors' validators accept what the runtime accepts (numbers as the runtime reads them,
 * JSONPaths as normalizePath reads them, proxy URLs as proxy-rules reads them, ${ENV} anywhere).
 */
import assert from 'node:assert/strict';
import { useEditor } from '../support/editor/editor-session';

describe('editor: validators', function () {
  this.timeout(60000);
  const editor = useEditor();

  it('validates fields the way the runtime reads them', async function () {
    const results = await editor.page.evaluate(() => {
      const check = (type: string, prop: string, values: unknown[]) => {
        const validate = RED.nodes.getType(type)!.defaults[prop]!.validate!;
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
    assert.deepEqual(results.rowsPath, pathVerdicts, 'rowsPath: any non-blank path, as normalizePath reads it');
    assert.deepEqual(results.nextPath, pathVerdicts, 'nextPath');
    assert.deepEqual(results.valuePath, pathVerdicts, 'valuePath');
    assert.deepEqual(results.pageSize, [true, true, true, false, false, false, false, false, false, true]);
    assert.deepEqual(results.maxPages, [true, true, false, false, false, true]);
    assert.deepEqual(results.retries, [true, true, true, true, false, false, false, false, true]);
    assert.deepEqual(results.maxResponseBytes, [true, true, true, false, false, false, true]);
    assert.deepEqual(results.timeout, [true, true, true, false, false, false, false, true]);
    assert.deepEqual(results.proxyUrl, [true, true, true, true, true, true, false, false, false]);
  });
});
