/**
 * Node-RED for flow tests: node-red-node-test-helper with this package's compiled nodes and
 * the core nodes the tests wire them to (catch, join). `useNodeRed()` installs mocha hooks.
 *
 *   useNodeRed();
 *   await load(flow, credentials);
 *   const msg = await nextMessage('out');   // the next message a helper node receives
 */
import { createRequire } from 'node:module';
import path from 'node:path';

/** `msg.error` as the nodes set it (Node-RED's catch node adds `source`). */
export interface MsgError {
  code: string;
  message: string;
  stack?: string;
  cause?: { message?: string };
  source?: { id: string; type: string };
}

/** A message as the tests see it: the properties the nodes set are typed, `payload` is read with a cast. */
export interface Msg {
  _msgid?: string;
  topic?: string;
  payload?: unknown;
  statusCode?: number;
  headers?: Record<string, string | string[] | undefined>;
  responseUrl?: string;
  responseBody?: string;
  error?: MsgError;
  parts?: { id: string; index: number; count?: number; type?: string };
  [key: string]: unknown;
}

interface Spy {
  getCalls(): { args: unknown[] }[];
}

export interface HelperNode {
  receive(msg: object): void;
  on(event: 'input', listener: (msg: Msg) => void): void;
  removeListener(event: 'input', listener: (msg: Msg) => void): void;
  status: Spy;
  warn: Spy;
  error: Spy;
  credentials: Record<string, unknown>;
  [key: string]: unknown;
}

/** What the tests use of supertest (`helper.request()`). */
export interface AdminCall extends PromiseLike<{ status: number; body: Msg; text: string; headers: Msg }> {
  send(body: unknown): AdminCall;
  set(name: string, value: string): AdminCall;
  query(query: Record<string, string>): AdminCall;
  redirects(count: number): AdminCall;
  expect(status: number): AdminCall;
}

export interface AdminRequests {
  get(path: string): AdminCall;
  post(path: string): AdminCall;
  delete(path: string): AdminCall;
}

/** What the tests use of node-red-node-test-helper, which ships no type declarations. */
export interface TestHelper {
  init(nodeRedPath: string, settings?: object): void;
  startServer(done: () => void): void;
  stopServer(done: () => void): void;
  load(nodes: unknown[], flow: object[], credentials?: object): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): HelperNode;
  log(): Spy;
  /** supertest against Node-RED's admin API. */
  request(): AdminRequests;
  settings(settings: object): void;
}

const load_ = createRequire(__filename);
export const helper = load_('node-red-node-test-helper') as TestHelper;
helper.init(load_.resolve('node-red'));

const dist = path.join(__dirname, '..', '..', 'dist', 'nodes');
const NODES: unknown[] = [
  load_(path.join(dist, 'rest-connection', 'rest-connection.js')),
  load_(path.join(dist, 'execute-rest-grid', 'execute-rest-grid.js')),
  load_(path.join(dist, 'execute-rest-scalar', 'execute-rest-scalar.js')),
  load_('@node-red/nodes/core/common/25-catch.js'),
  load_('@node-red/nodes/core/sequence/17-split.js'),
];

export function useNodeRed(): void {
  before(() => new Promise<void>((resolve) => helper.startServer(resolve)));
  after(() => new Promise<void>((resolve) => helper.stopServer(resolve)));
  afterEach(() => helper.unload());
}

/** Loads `flow`; `extraNodes` are further node modules it needs (e.g. core's inject). */
export function load(flow: object[], credentials: object = {}, extraNodes: unknown[] = []): Promise<void> {
  return helper.load([...NODES, ...extraNodes], flow, credentials);
}

/** Resolves with the next `count` messages node `id` receives; rejects after `ms`. */
export function messages(id: string, count: number, ms = 5000): Promise<Msg[]> {
  const node = helper.getNode(id);
  if (!node) throw new Error(`no node ${id} in the flow`);
  return new Promise((resolve, reject) => {
    const received: Msg[] = [];
    const timer = setTimeout(
      () => reject(new Error(`node ${id} received ${received.length} of ${count} messages within ${ms} ms`)),
      ms,
    );
    node.on('input', (msg) => {
      received.push(msg);
      if (received.length === count) {
        clearTimeout(timer);
        resolve(received);
      }
    });
  });
}

/** Resolves with the next message node `id` receives. */
export async function nextMessage(id: string, ms = 5000): Promise<Msg> {
  const [msg] = await messages(id, 1, ms);
  return msg!;
}

/** A row of a grid node's output. */
export type Row = Record<string, unknown>;

/** The rows a grid node sent in `msg.payload`. */
export function rowsOf(msg: Msg): Row[] {
  if (!Array.isArray(msg.payload)) throw new Error(`msg.payload is not rows: ${JSON.stringify(msg.payload)}`);
  return msg.payload as Row[];
}

/** A message a catch node passed on: it carries `msg.error`. */
export interface Caught extends Msg {
  error: MsgError;
}

/** Resolves with the next message the catch node's helper `id` receives, which must carry an error. */
export async function nextCaught(id = 'caught', ms = 5000): Promise<Caught> {
  const msg = await nextMessage(id, ms);
  if (!msg.error)
    throw new Error(`node ${id} received a message without msg.error: ${JSON.stringify(msg).slice(0, 200)}`);
  return msg as Caught;
}

/**
 * Sends `msg` into node `into` and resolves with what comes out of `out`, or rejects with the
 * error the catch node reports: one of the two always happens.
 */
export async function outputOf(msg: object, into = 'restNode', out = 'out'): Promise<Msg> {
  const output = nextMessage(out);
  const caught = nextCaught('caught').catch(() => undefined);
  helper.getNode(into).receive(msg);
  const first = await Promise.race([output, caught.then((c) => c ?? output)]);
  if (first.error) throw new Error(`caught instead of output: ${first.error.code} ${first.error.message}`);
  return first;
}

/** Sends `msg` into node `into` and resolves with what the catch node reports; fails when output comes instead. */
export async function failureOf(msg: object, into = 'restNode'): Promise<Caught> {
  const output = nextMessage('out').then((m) => {
    throw new Error(`output instead of an error: ${JSON.stringify(m).slice(0, 200)}`);
  });
  const caught = nextCaught('caught');
  helper.getNode(into).receive(msg);
  return Promise.race([caught, output]);
}

/** Asserts that node `id` receives nothing within `ms`. */
export function silence(id: string, ms = 300): Promise<void> {
  const node = helper.getNode(id);
  return new Promise((resolve, reject) => {
    const onInput = (msg: Msg) =>
      reject(new Error(`node ${id} unexpectedly received ${JSON.stringify(msg).slice(0, 200)}`));
    node.on('input', onInput);
    setTimeout(() => {
      node.removeListener('input', onInput);
      resolve();
    }, ms);
  });
}

/** The status calls of a node so far, oldest first. */
export function statuses(id: string): Msg[] {
  return helper
    .getNode(id)
    .status.getCalls()
    .map((call) => call.args[0] as Msg);
}

interface FlowParts {
  connection?: object;
  node?: object;
  type?: string;
  extra?: object[];
  /** The ids of the connection and the query node (admin routes name the connection by id). */
  ids?: { connection?: string; node?: string };
}

/**
 * A flow: one rest-connection, one query node wired to a helper `out`, and a catch node
 * wired to a helper `caught`. `connection` and `node` override the defaults.
 */
export function flowWith({
  connection = {},
  node = {},
  type = 'execute-rest-grid',
  extra = [],
  ids: { connection: connectionId = 'restConn', node: nodeId = 'restNode' } = {},
}: FlowParts = {}): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    { id: connectionId, type: 'rest-connection', z: 'tab', name: 'api', authType: 'none', ...connection },
    { id: nodeId, type, z: 'tab', connection: connectionId, wires: [['out']], ...node },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
    ...extra,
  ];
}
