'use strict';
/**
 * Import > Examples: a real Node-RED (this package installed in its user dir) lists every
 * file of examples/ under the package's name, and nothing else (no stray folders).
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { installPackage, startEditorServer } = require('./support/editor-harness');

const MODULE = '@rest-nodes/node-red-rest-connection';
const examplesDir = path.join(__dirname, '..', 'examples');

describe('examples listed by Node-RED under Import > Examples', function () {
  this.timeout(40000);
  let userDir;
  let server;
  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-examples-'));
    installPackage(userDir);
    server = await startEditorServer(userDir);
  });
  after(async () => {
    if (server) await server.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  const get = async (route) => {
    const response = await fetch(new URL(route, server.url));
    assert.equal(response.status, 200, route);
    return response.json();
  };

  it('lists the package and exactly its example files', async () => {
    assert.ok((await get('library/examples/flows/')).includes(MODULE));
    const listed = (await get(`library/examples/flows/${MODULE}`)).map((entry) => entry.fn ?? entry);
    const files = fs
      .readdirSync(examplesDir)
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.replace(/\.json$/, ''))
      .sort();
    assert.deepEqual([...listed].sort(), files);
    assert.ok(files.length >= 3);
  });

  it('serves each example as an importable flow with a rest-connection', async () => {
    for (const file of fs.readdirSync(examplesDir).filter((f) => f.endsWith('.json'))) {
      const flow = await get(`library/examples/flows/${MODULE}/${encodeURIComponent(file.replace(/\.json$/, ''))}`);
      assert.ok(Array.isArray(flow), file);
      assert.ok(
        flow.some((node) => node.type === 'rest-connection'),
        `${file} has its own rest-connection`,
      );
    }
  });
});
