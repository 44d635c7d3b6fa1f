/**
 * The texts of Test connection and Preview: every key the editor scripts look up in the node's
 * catalog (`t(node, 'preview.…')` in the scripts, `data-i18n` in them and in the connection's form) is in nodes/shared/locales/en-US/preview.json,
 * none there is unused, and the German catalog has every key, translated, with the same
 * `__placeholders__`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const SHARED = path.resolve(__dirname, '..', '..', 'nodes', 'shared');
const SCRIPTS = ['test-connection.js', 'preview-panel.js', '../rest-connection/editor.html'];

type Catalog = Record<string, unknown>;

function flatten(catalog: Catalog, prefix = ''): Map<string, string> {
  const texts = new Map<string, string>();
  for (const [key, value] of Object.entries(catalog)) {
    if (typeof value === 'string') texts.set(prefix + key, value);
    else for (const [k, v] of flatten(value as Catalog, `${prefix}${key}.`)) texts.set(k, v);
  }
  return texts;
}

function catalog(lang: string): Map<string, string> {
  return flatten(JSON.parse(fs.readFileSync(path.join(SHARED, 'locales', lang, 'preview.json'), 'utf8')) as Catalog);
}

/** The keys the editor scripts look up: `t(node, 'preview.x.y')` and `data-i18n="[placeholder]preview.x.y"`. */
function lookups(): Set<string> {
  const found = new Set<string>();
  for (const file of SCRIPTS) {
    const source = fs.readFileSync(path.join(SHARED, file), 'utf8');
    for (const match of source.matchAll(/\bt\(\s*node,\s*'(preview\.[\w.]+)'/g)) found.add(match[1]!);
    for (const match of source.matchAll(/data-i18n="(?:\[\w+\])?(preview\.[\w.]+)"/g)) found.add(match[1]!);
  }
  return found;
}

const placeholders = (text: string) => [...text.matchAll(/__\w+__/g)].map((m) => m[0]).sort();

describe('Test connection and Preview texts', () => {
  it('every text the scripts use is in the en-US catalog, and every text there is used', () => {
    const english = catalog('en-US');
    const used = lookups();
    assert.ok(used.size > 20, `found ${used.size} lookups`);
    for (const key of used) assert.ok(english.has(key), `${key} is in en-US/preview.json`);
    assert.deepEqual(
      [...english.keys()].filter((key) => !used.has(key)),
      [],
      'no unused text',
    );
  });

  it('the German catalog has every key, translated, with the same placeholders', () => {
    const english = catalog('en-US');
    const german = catalog('de');
    assert.deepEqual([...german.keys()].sort(), [...english.keys()].sort());
    for (const [key, text] of english) {
      assert.deepEqual(placeholders(german.get(key)!), placeholders(text), key);
      if (text.length > 12) assert.notEqual(german.get(key), text, `${key} is translated`);
    }
  });
});
