/**
 * scripts/build.js merges each node's message catalog with the shared parts in
 * nodes/shared/locales/<lang>/ and writes it where Node-RED's loader registers it: a part dropped
 * into the shared folder reaches all three nodes, and no part can silently override another.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { messageCatalog } from '../../scripts/build';

const ROOT = path.resolve(__dirname, '../..');
const TYPES = ['rest-connection', 'execute-rest-grid', 'execute-rest-scalar'];
const LANGS = ['en-US', 'de'];

describe('message catalogs (scripts/build.js)', function () {
  for (const type of TYPES) {
    for (const lang of LANGS) {
      it(`${type} ${lang}: own texts and every shared part, in dist/nodes/${type}/locales/${lang}/${type}.json`, function () {
        const catalog = messageCatalog(type, lang) as Record<string, unknown>;
        const shared = fs
          .readdirSync(path.join(ROOT, 'nodes/shared/locales', lang))
          .filter((file) => file.endsWith('.json'))
          .map((file) => path.basename(file, '.json'));
        assert.ok(shared.length > 0, 'no shared catalog parts found');
        assert.deepEqual(Object.keys(catalog).sort(), [type, ...shared].sort());
        const built = path.join(ROOT, 'dist/nodes', type, 'locales', lang, `${type}.json`);
        if (fs.existsSync(built)) assert.deepEqual(JSON.parse(fs.readFileSync(built, 'utf8')), catalog);
      });
    }
  }

  describe('merging (in a copy of nodes/)', function () {
    let nodesCopy: string;
    let restore: () => void;

    beforeEach(function () {
      // The build reads nodes/ beside scripts/; copy both into a temporary root to change parts freely.
      nodesCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'catalogs-'));
      fs.cpSync(path.join(ROOT, 'nodes'), path.join(nodesCopy, 'nodes'), { recursive: true });
      fs.cpSync(path.join(ROOT, 'scripts'), path.join(nodesCopy, 'scripts'), { recursive: true });
      fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(nodesCopy, 'package.json'));
      restore = () => fs.rmSync(nodesCopy, { recursive: true, force: true });
    });
    afterEach(() => restore());

    function catalogIn(type: string, lang: string): Record<string, Record<string, unknown>> {
      const script = path.join(nodesCopy, 'scripts', 'build.js');
      delete require.cache[require.resolve(script)];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const copy = require(script) as { messageCatalog: typeof messageCatalog };
      return copy.messageCatalog(type, lang) as Record<string, Record<string, unknown>>;
    }

    it('a new shared part reaches every node without a change to build.js', function () {
      const part = path.join(nodesCopy, 'nodes/shared/locales/de/preview.json');
      fs.writeFileSync(part, JSON.stringify({ preview: { label: { run: 'Vorschau' } } }));
      for (const type of TYPES) assert.deepEqual(catalogIn(type, 'de').preview, { label: { run: 'Vorschau' } });
    });

    it('a shared part under a top-level key other than its file name is a build error', function () {
      fs.writeFileSync(
        path.join(nodesCopy, 'nodes/shared/locales/en-US/preview.json'),
        JSON.stringify({ 'execute-rest-grid': { label: { rowsPath: 'Rows' } } }),
      );
      assert.throws(
        () => catalogIn('execute-rest-grid', 'en-US'),
        /preview\.json: must hold exactly one top-level key, "preview"/,
      );
    });

    it('a node catalog with a malformed JSON is a build error that names the file', function () {
      fs.writeFileSync(
        path.join(nodesCopy, 'nodes/execute-rest-scalar/locales/de/execute-rest-scalar.json'),
        '{ "x": ',
      );
      assert.throws(
        () => catalogIn('execute-rest-scalar', 'de'),
        /execute-rest-scalar\/locales\/de\/execute-rest-scalar\.json/,
      );
    });
  });
});
