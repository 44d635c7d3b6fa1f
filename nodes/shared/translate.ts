/**
 * Runtime texts (status, warnings, error messages made in nodes/) from the node's message
 * catalog, locales/<lang>/<type>.json (built by scripts/build.js; CONTRIBUTING.md, Translations):
 * `RED._` in Node-RED's language, and the en-US text where `RED._` finds none (a catalog not
 * registered, as under node-red-node-test-helper, whose `RED._` returns the key), so a user never
 * sees a raw key.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NodeAPI } from 'node-red';

/** Values for the catalog's `__name__` placeholders. */
export type Substitutions = Record<string, string | number>;
export type Translate = (key: string, substitutions?: Substitutions) => string;

type Catalog = { [key: string]: string | Catalog };

export function translator(RED: NodeAPI, type: string): Translate {
  let english: Catalog | undefined;
  return (key, substitutions) => {
    const text = (RED._ as (key: string, substitutions?: Substitutions) => unknown)(key, substitutions);
    if (typeof text === 'string' && text !== '' && text !== key && !text.endsWith(`:${key}`)) return text;
    english ??= englishCatalog(type);
    const fallback = lookup(english, key);
    return fallback === undefined ? key : substitute(fallback, substitutions);
  };
}

/**
 * The en-US catalog of `type`: built (dist/nodes/<type>/, shared parts merged in), or from the
 * sources (nodes/<type>/ plus nodes/shared/locales/en-US/*.json) when run from them.
 */
function englishCatalog(type: string): Catalog {
  const catalog: Catalog = {};
  const own = path.join(__dirname, '..', type, 'locales', 'en-US', `${type}.json`);
  if (fs.existsSync(own)) Object.assign(catalog, readCatalog(own));
  const shared = path.join(__dirname, 'locales', 'en-US');
  if (fs.existsSync(shared)) {
    for (const file of fs.readdirSync(shared).filter((name) => name.endsWith('.json'))) {
      Object.assign(catalog, readCatalog(path.join(shared, file)));
    }
  }
  return catalog;
}

function readCatalog(file: string): Catalog {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Catalog;
  } catch {
    return {};
  }
}

function lookup(catalog: Catalog, key: string): string | undefined {
  let value: string | Catalog | undefined = catalog;
  for (const part of key.split('.')) {
    if (typeof value !== 'object') return undefined;
    value = value[part];
  }
  return typeof value === 'string' ? value : undefined;
}

/** Node-RED's interpolation: `__name__` is replaced by `substitutions.name`. */
function substitute(text: string, substitutions: Substitutions = {}): string {
  return text.replace(/__([a-zA-Z0-9]+)__/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(substitutions, name) ? String(substitutions[name]) : whole,
  );
}
