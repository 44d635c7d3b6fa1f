/**
 * The node reference has one source, each node's editor help: the help documents every property
 * and credential of lib/definitions.ts by its flow JSON name, and docs/reference.md is what
 * `npm run reference` makes of the help (needs `npm run build`, as `npm test` does first).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { connectionCredentialTypes, connectionDefaults, gridDefaults, scalarDefaults } from '../../lib/definitions';
import { helpHtml } from '../../scripts/build';
import { REFERENCE_FILE, referenceMarkdown } from '../../scripts/reference';

/** The flow JSON names (`<code>name</code>`) in the entries of the help's Properties list. */
function documentedNames(type: string): string[] {
  const properties = /<h3>Properties<\/h3>[\s\S]*?<dl class="message-properties">([\s\S]*?)<\/dl>/.exec(helpHtml(type));
  assert.ok(properties, `${type}: the help has a Properties list`);
  const terms = [...(properties[1] ?? '').matchAll(/<dt[^>]*>([\s\S]*?)<\/dt>/g)].map(([, term]) => term ?? '');
  return terms.flatMap((term) => [...term.matchAll(/<code>(\w+)<\/code>/g)].map(([, name]) => name ?? ''));
}

describe('node reference', function () {
  const cases: [string, object][] = [
    ['rest-connection', { ...connectionDefaults, ...connectionCredentialTypes }],
    ['execute-rest-grid', gridDefaults],
    ['execute-rest-scalar', scalarDefaults],
  ];
  for (const [type, properties] of cases) {
    it(`${type}: the help documents every property and credential of lib/definitions.ts, once, and no other`, function () {
      const names = documentedNames(type);
      assert.deepEqual([...names].sort(), Object.keys(properties).sort());
    });
  }

  it('docs/reference.md is what `npm run reference` makes of the help (run it after changing the help)', async function () {
    assert.equal(fs.readFileSync(REFERENCE_FILE, 'utf8'), await referenceMarkdown());
  });
});
