/**
 * Every catalog key the sources use exists in the English and the German catalog: data-i18n
 * attributes in the editor forms (and in markup built by editor JavaScript), and every string
 * literal shaped like a key (`_('execute-rest-grid.status.rows')`, `node._(...)`, tables of keys)
 * in nodes/. German has exactly the English keys, with the same `__substitutions__`, and the
 * states lib/ reports in English all have a key. Reads the sources; nothing to start.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { messageCatalog } from '../../scripts/build';
import { STATE_KEYS } from '../../nodes/rest-connection/state-text';

const ROOT = path.resolve(__dirname, '../..');
const NODES = path.join(ROOT, 'nodes');
const TYPES = ['rest-connection', 'execute-rest-grid', 'execute-rest-scalar'];
const LANGS = ['en-US', 'de'];
/** The groups of CONTRIBUTING.md, Translations: a key is `<type or part>.<group>.<name>`. */
const GROUPS = ['label', 'placeholder', 'tab', 'option', 'note', 'tooltip', 'status', 'message'];

type Catalog = { [key: string]: string | Catalog };

/** All texts of a language, `a.b.c` -> text, over the three built catalogs (shared parts included). */
function texts(lang: string): Map<string, string> {
  const flat = new Map<string, string>();
  const walk = (catalog: Catalog, prefix: string) => {
    for (const [key, value] of Object.entries(catalog)) {
      if (typeof value === 'string') flat.set(prefix + key, value);
      else walk(value, `${prefix}${key}.`);
    }
  };
  for (const type of TYPES) walk(messageCatalog(type, lang) as Catalog, '');
  return flat;
}

/** The catalogs' top-level keys: the node types and the shared parts (nodes/shared/locales/en-US/<part>.json). */
function namespacesOfKeys(): string[] {
  const parts = fs
    .readdirSync(path.join(NODES, 'shared/locales/en-US'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => path.basename(file, '.json'));
  return [...TYPES, ...parts];
}

function sourceFiles(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'locales' || entry.name === 'icons' ? [] : sourceFiles(full);
    return /\.(js|ts|html)$/.test(entry.name) ? [full] : [];
  });
}

interface Use {
  key: string;
  where: string;
}

/** The keys the sources use: data-i18n values, and string literals shaped `<type or part>.<group>...`. */
function keysUsed(): { uses: Use[]; concatenated: Use[] } {
  const tops = namespacesOfKeys();
  const keyShape = new RegExp(`^(?:${tops.join('|')})\\.(?:${GROUPS.join('|')})(?:\\.[\\w.]*)?$`);
  const uses: Use[] = [];
  const concatenated: Use[] = [];
  for (const file of sourceFiles(NODES)) {
    const text = fs.readFileSync(file, 'utf8');
    const where = path.relative(ROOT, file);
    for (const match of text.matchAll(/data-i18n="([^"]*)"/g)) {
      for (const entry of (match[1] ?? '').split(';')) {
        uses.push({ key: entry.replace(/^\[[^\]]*\]/, '').trim(), where });
      }
    }
    for (const match of text.matchAll(/'([^'\n]*)'|"([^"\n]*)"/g)) {
      const literal = match[1] ?? match[2] ?? '';
      if (!keyShape.test(literal)) continue;
      if (literal.endsWith('.')) concatenated.push({ key: literal, where });
      else uses.push({ key: literal, where });
    }
  }
  return { uses, concatenated };
}

describe('message catalogs: every key the sources use exists', function () {
  const { uses, concatenated } = keysUsed();

  it('the sources use keys (the scan finds them)', function () {
    assert.ok(uses.length > 50, `only ${uses.length} keys found: the scan is broken`);
    assert.ok(uses.some((use) => use.where.endsWith('.ts')));
    assert.ok(uses.some((use) => use.where.endsWith('editor.html')));
  });

  it('keys are written out whole, never built by concatenation (so this test can check them)', function () {
    assert.deepEqual(concatenated, []);
  });

  for (const lang of LANGS) {
    it(`${lang}: every key used in nodes/ is a text of the catalogs`, function () {
      const catalog = texts(lang);
      const missing = uses.filter((use) => !catalog.has(use.key)).map((use) => `${use.key} (${use.where})`);
      assert.deepEqual([...new Set(missing)], []);
    });

    it(`${lang}: each node's palette label (the help title too) is in its catalog`, function () {
      for (const type of TYPES) {
        const label = texts(lang).get(`${type}.label.paletteLabel`);
        assert.ok(label, `${type}.label.paletteLabel`);
      }
    });
  }

  it('every English text is used: the catalogs hold nothing stale', function () {
    const used = new Set(uses.map((use) => use.key));
    // registerQueryNode (nodes/shared/query-editor.js) asks for `${type}.label.paletteLabel`
    for (const type of TYPES) used.add(`${type}.label.paletteLabel`);
    assert.deepEqual(
      [...texts('en-US').keys()].filter((key) => !used.has(key)),
      [],
    );
  });

  it('the edit forms hold no text of their own: every word comes from a catalog', function () {
    const forms = sourceFiles(NODES).filter((file) => file.endsWith('.html'));
    assert.ok(forms.length >= 3, 'the edit forms are found');
    for (const file of forms) {
      const shown = fs
        .readFileSync(file, 'utf8')
        .replace(/<!--[\s\S]*?-->/g, '')
        .replace(/<style[\s\S]*?<\/style>/g, '')
        .replace(/<[^>]*>/g, ' ')
        .replace(/&nbsp;/g, ' ');
      // what may stay as written: HTTP methods, TLS versions and other names no language changes
      const words = shown
        .split(/\s+/)
        .filter((word) => /[A-Za-z]{2}/.test(word))
        .filter((word) => !/^(GET|POST|PUT|PATCH|DELETE|HEAD|TLS|\d.*)$/.test(word));
      assert.deepEqual(words, [], `${path.relative(ROOT, file)} has text without data-i18n`);
      const placeholders = [...fs.readFileSync(file, 'utf8').matchAll(/\splaceholder="([^"]*)"/g)]
        .map((m) => m[1] ?? '')
        .filter((text) => /[A-Za-z]/.test(text));
      assert.deepEqual(placeholders, [], `${path.relative(ROOT, file)} has placeholders without data-i18n`);
    }
  });

  it('de has exactly the keys of en-US, each with the same __substitutions__', function () {
    const english = texts('en-US');
    const german = texts('de');
    assert.deepEqual([...german.keys()].sort(), [...english.keys()].sort());
    const substitutions = (text: string) => [...text.matchAll(/__([a-zA-Z0-9]+)__/g)].map((m) => m[1]).sort();
    const differing = [...english].filter(([key, text]) => {
      return JSON.stringify(substitutions(text)) !== JSON.stringify(substitutions(german.get(key) ?? ''));
    });
    assert.deepEqual(
      differing.map(([key]) => key),
      [],
    );
  });

  it('de is a translation: most texts differ from the English ones', function () {
    const english = texts('en-US');
    const german = texts('de');
    const same = [...english].filter(([key, text]) => german.get(key) === text).length;
    assert.ok(same < english.size / 3, `${same} of ${english.size} German texts are the English ones`);
  });

  it('every connection state lib/ reports in English has a catalog key', function () {
    const states = new Set<string>();
    for (const file of sourceFiles(path.join(ROOT, 'lib'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const call of text.matchAll(/onStateChange\?\.\(\{([\s\S]*?)\}\)/g)) {
        // the texts, not the values a ternary compares with (state === 'denied' ? ...)
        const body = call[1] ?? '';
        for (const literal of body.matchAll(/'([^'\n]*)'/g)) {
          const compared = /===\s*$/.test(body.slice(0, literal.index));
          if (!compared && !['ok', 'warning', 'error'].includes(literal[1] ?? '')) states.add(literal[1] ?? '');
        }
      }
    }
    assert.ok(states.has('authorization needed'), `states found: ${[...states].join(', ')}`);
    assert.deepEqual(
      [...states].filter((state) => !STATE_KEYS[state]),
      [],
    );
  });
});
