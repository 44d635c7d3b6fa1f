/**
 * The texts of Test connection and Preview: every text the editor scripts look up in the node's
 * catalog is in nodes/shared/locales/en-US/preview.json with the same English the scripts fall
 * back to, and the German catalog has every key, with the same `__placeholders__`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const SHARED = path.resolve(__dirname, '..', '..', 'nodes', 'shared');
const SCRIPTS = ['test-connection.js', 'preview-panel.js'];

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

/** `t(node, 'preview.x.y', 'English…')` calls of the editor scripts. */
function lookups(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of SCRIPTS) {
    const source = fs.readFileSync(path.join(SHARED, file), 'utf8');
    for (const match of source.matchAll(/\bt\(\s*node,\s*'(preview\.[\w.]+)',\s*'((?:[^'\\]|\\.)*)'/g)) {
      found.set(match[1]!, match[2]!.replace(/\\(.)/g, '$1'));
    }
  }
  return found;
}

const placeholders = (text: string) => [...text.matchAll(/__\w+__/g)].map((m) => m[0]).sort();

describe('Test connection and Preview texts', () => {
  it('every text the scripts use is in the en-US catalog, as their English fallback says', () => {
    const english = catalog('en-US');
    const used = lookups();
    assert.ok(used.size > 20, `found ${used.size} lookups`);
    for (const [key, fallback] of used) assert.equal(english.get(key), fallback, key);
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
