/**
 * The example flows of examples/*.json as the tests read them, and the one address they all use:
 * the demo API's URL from REST_DEMO_URL, with the address `npm run demo-api` serves as its default.
 */
import fs from 'node:fs';
import path from 'node:path';

export const EXAMPLES_DIR = path.join(__dirname, '..', '..', 'examples');

/** The baseUrl of every example's connection. */
export const DEMO_URL_REFERENCE = '${REST_DEMO_URL:-http://127.0.0.1:8765/api}';
/** What it gives while REST_DEMO_URL is unset. */
export const DEFAULT_DEMO_URL = 'http://127.0.0.1:8765/api';

/** A node of an example as stored: Node-RED's keys and the node's own properties. */
export interface FlowNode {
  id: string;
  type: string;
  wires?: string[][];
  [key: string]: unknown;
}

export function exampleFiles(): string[] {
  return fs
    .readdirSync(EXAMPLES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort();
}

export function readExample(file: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as FlowNode[];
}
