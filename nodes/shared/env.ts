/**
 * `${NAME}` anywhere in a string setting (Node-RED itself only replaces a value that is
 * entirely `${NAME}`), so `https://${API_HOST}/v1` runs unchanged on a laptop and an edge device.
 * `${NAME:-default}` gives the text to use when NAME is unset or empty, as a POSIX shell does, so
 * a flow can name a working address and still be moved by one variable. Node-RED leaves such a
 * reference alone (it looks up a variable named `NAME:-default`, which is never set).
 */
import type { Node, NodeAPI } from 'node-red';
import { textOf } from '../../lib/text-of';

/** `${NAME}` or `${NAME:-default}`; the default is plain text up to the first `}`. */
const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces each reference by the variable's value. An unset name stays as the literal `${NAME}`
 * (so the setting fails visibly), unless the reference has a default, which also replaces an empty value.
 */
export function expandEnv(value: string, lookup: (name: string) => unknown): string {
  return value.replace(ENV_REFERENCE, (reference, name: string, fallback: string | undefined) => {
    const found = lookup(name);
    const unset = found === undefined || found === null;
    if (fallback !== undefined && (unset || found === '')) return fallback;
    return unset ? reference : textOf(found);
  });
}

/** Expands every string (also inside name/value lists) of a settings object. */
export function expandEnvDeep<T>(settings: T, lookup: (name: string) => unknown): T {
  if (typeof settings === 'string') return expandEnv(settings, lookup) as T;
  if (Array.isArray(settings)) return (settings as unknown[]).map((item) => expandEnvDeep(item, lookup)) as T;
  if (settings && typeof settings === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(settings)) copy[key] = expandEnvDeep(value, lookup);
    return copy as T;
  }
  return settings;
}

/** Node-RED's own lookup: flow and group env first, then the process environment. */
export function envLookup(RED: NodeAPI, node: Node): (name: string) => unknown {
  const util = RED.util as unknown as { getSetting?: (node: Node, name: string) => unknown };
  return (name) => (util.getSetting ? util.getSetting(node, name) : process.env[name]);
}
