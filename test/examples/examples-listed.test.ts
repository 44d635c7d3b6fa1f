/**
 * Import > Examples: a real Node-RED (this package installed in its user dir) lists every
 * file of examples/ under the package's name, and nothing else (no stray folders).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { installPackage, startEditorServer } from '../support/editor/node-red-editor';
import { createPeerDir, removePeerDir } from '../support/peers/peer-dir';

const MODULE = '@rest-nodes/node-red-rest-connection';
const examplesDir = path.join(__dirname, '..', '..', 'examples');

/** An entry of Node-RED's examples listing: a file name, or an object naming it. */
type Listed = string | { fn?: string };

interface FlowNode {
  type?: string;
}

function exampleFiles(): string[] {
  return fs.readdirSync(examplesDir).filter((file) => file.endsWith('.json'));
}

describe('examples listed by Node-RED under Import > Examples', function () {
  this.timeout(40000);
  let userDir: string;
  let server: { url: string; stop: () => Promise<void> } | undefined;
  before(async () => {
    userDir = createPeerDir('examples');
    installPackage(userDir);
    server = await startEditorServer(userDir);
  });
  after(async () => {
    if (server) await server.stop();
    removePeerDir(userDir);
  });

  const get = async (route: string): Promise<unknown> => {
    assert.ok(server, 'Node-RED is running');
    const response = await fetch(new URL(route, server.url));
    assert.equal(response.status, 200, route);
    return response.json();
  };

  it('lists the package and exactly its example files', async () => {
    const modules = await get('library/examples/flows/');
    assert.ok(Array.isArray(modules) && modules.includes(MODULE));
    const entries = await get(`library/examples/flows/${MODULE}`);
    assert.ok(Array.isArray(entries));
    const listed = (entries as Listed[]).map((entry) => (typeof entry === 'string' ? entry : entry.fn));
    const files = exampleFiles()
      .map((file) => file.replace(/\.json$/, ''))
      .sort();
    assert.deepEqual([...listed].sort(), files);
    assert.ok(files.length >= 3);
  });

  it('serves each example as an importable flow with a rest-connection', async () => {
    for (const file of exampleFiles()) {
      const flow = await get(`library/examples/flows/${MODULE}/${encodeURIComponent(file.replace(/\.json$/, ''))}`);
      assert.ok(Array.isArray(flow), file);
      assert.ok(
        (flow as FlowNode[]).some((node) => node.type === 'rest-connection'),
        `${file} has its own rest-connection`,
      );
    }
  });
});
