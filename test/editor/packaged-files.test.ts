/**
 * The editor files in the published package: each node's editor, help and icon where Node-RED's
 * loader looks for them, beside the node's .js (npm pack, no browser). Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  'node-red': { nodes: Record<string, string> };
};

describe('editor files in the published package', function () {
  this.timeout(60000);

  it("ships each node's editor, help and icon where Node-RED's loader looks for them, beside the node's .js", function () {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as [{ files: { path: string }[] }];
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
      const editor = fs.readFileSync(path.join(ROOT, dir, `${type}.html`), 'utf8');
      assert.doesNotMatch(editor, /<script[^>]*\ssrc=/, `${type}.html loads no other script`);
    }
  });
});
