/**
 * `${NAME}` anywhere in a string setting (Node-RED itself only replaces a value that is
 * entirely `${NAME}`), so `https://${API_HOST}/v1` runs unchanged on a laptop and an edge device.
 */
import type { Node, NodeAPI } from 'node-red';
import { textOf } from '../../lib/text-of';

const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function expandEnv(value: string, lookup: (name: string) => unknown): string {
  return value.replace(ENV_REFERENCE, (reference, name: string) => {
    const found = lookup(name);
    return found === undefined || found === null ? reference : textOf(found);
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
