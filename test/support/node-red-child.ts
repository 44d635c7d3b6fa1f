/**
 * A real Node-RED in a child process, as users run it (the package installed in a private user dir,
 * its own credential secret), and what tests do with it over HTTP: deploy flows as the editor's
 * Deploy button does, call an `http in` route of a flow, click Authorize, restart on the same user
 * dir. The flow most of them deploy, an `http in` route that answers with one value read through a
 * connection (or the caught error, as 502), is here too.
 *
 *   const nodeRed = await startNodeRedChild('deploys');
 *   await deploy(nodeRed, [connection, ...valueRoute({ id: 'ask', connection: 'conn', path: '/data', valuePath: '$.value' })]);
 *   const { status, body } = await callRoute(nodeRed, '/ask');
 *   await nodeRed.restart();
 *   await nodeRed.close();
 */
import assert from 'node:assert/strict';
import { installPackage, startEditorServer } from './editor/node-red-editor';
import { createPeerDir, removePeerDir } from './peers/peer-dir';

export type FlowNode = Record<string, unknown> & { id: string; type: string };
/** The editor's Deploy menu: "Full", "Modified Flows", "Modified Nodes". */
export type DeployType = 'full' | 'flows' | 'nodes';

export interface NodeRedChild {
  /** The editor's and admin API's root URL (a restart may change the port). */
  readonly url: string;
  readonly userDir: string;
  /** Stops it and starts it again on the same user dir: flows, credentials and state are kept. */
  restart(): Promise<void>;
  /** Stops it and removes its user dir. */
  close(): Promise<void>;
}

/** Starts Node-RED on a new user dir with the package installed; `settings` go into its settings. */
export async function startNodeRedChild(name: string, settings: Record<string, unknown> = {}): Promise<NodeRedChild> {
  const userDir = createPeerDir(name);
  installPackage(userDir);
  let running: { url: string; stop(): Promise<void> } | undefined;
  try {
    running = await startEditorServer(userDir, settings);
  } catch (err) {
    removePeerDir(userDir);
    throw err;
  }
  return {
    userDir,
    get url() {
      assert.ok(running, 'Node-RED is not running (a restart failed)');
      return running.url;
    },
    async restart() {
      await running?.stop();
      running = undefined;
      running = await startEditorServer(userDir, settings);
    },
    async close() {
      await running?.stop();
      running = undefined;
      removePeerDir(userDir);
    },
  };
}

/** Deploys `flows` through the admin API, as the editor's Deploy button of that `type` does. */
export async function deploy(nodeRed: { url: string }, flows: FlowNode[], type: DeployType = 'full'): Promise<void> {
  const response = await fetch(new URL('flows', nodeRed.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': type },
    body: JSON.stringify({ flows }),
  });
  assert.equal(response.status, 200, `deploy (${type}): ${await response.text()}`);
}

export interface RouteAnswer {
  status: number;
  /** The answer parsed as JSON, or its text when it is not JSON. */
  body: unknown;
  text: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * GET `route` of a flow's `http in` node. A deploy answers before the nodes have (re)started: until
 * then the route is missing (404), or a node being replaced drops the message (no answer). Neither
 * reached the flow's API, so both are asked again until `waitMs` has passed.
 */
export async function callRoute(nodeRed: { url: string }, route: string, waitMs = 30000): Promise<RouteAnswer> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let response: Response | undefined;
    try {
      response = await fetch(new URL(`api${route}`, nodeRed.url), { signal: AbortSignal.timeout(5000) });
    } catch (err) {
      if ((err as Error).name !== 'TimeoutError' || Date.now() > deadline) throw err;
    }
    if (response && (response.status !== 404 || Date.now() > deadline)) {
      const text = await response.text();
      return { status: response.status, body: parsed(text), text };
    }
    await pause(100);
  }
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The user clicks Authorize on connection `connectionId`: the admin route's redirect to the
 * provider (asked again while a deploy is still starting the connection).
 */
export async function startAuthorization(nodeRed: { url: string }, connectionId = 'conn'): Promise<URL> {
  const authorize = () =>
    fetch(new URL(`rest-connection/${connectionId}/authorize`, nodeRed.url), { redirect: 'manual' });
  const deadline = Date.now() + 15000;
  let start = await authorize();
  while (start.status !== 302 && Date.now() < deadline) {
    await pause(100);
    start = await authorize();
  }
  assert.equal(start.status, 302, await start.text());
  return new URL(start.headers.get('location') ?? '');
}

export interface ValueRouteOptions {
  /** The query node's id; the route is `/<id>` unless `route` says otherwise. */
  id: string;
  connection: string;
  path: string;
  valuePath: string;
  route?: string;
  /** The tab (default "tab"). */
  z?: string;
}

/**
 * `http in` GET route → execute-rest-scalar through `connection` → `http response` with the value;
 * an error the query throws is caught and answered as 502 with msg.error (code and message).
 */
export function valueRoute({ id, connection, path, valuePath, route = `/${id}`, z = 'tab' }: ValueRouteOptions) {
  const setRule = (p: string, to: string, tot: string) => ({ t: 'set', p, pt: 'msg', to, tot });
  const nodes: FlowNode[] = [
    { id: `${id}-in`, type: 'http in', z, url: route, method: 'get', wires: [[id]] },
    { id, type: 'execute-rest-scalar', z, connection, method: 'GET', path, valuePath, wires: [[`${id}-plain`]] },
    // The API's response headers (content-length…) are not this answer's.
    {
      id: `${id}-plain`,
      type: 'change',
      z,
      rules: [{ t: 'delete', p: 'headers', pt: 'msg' }],
      wires: [[`${id}-reply`]],
    },
    { id: `${id}-reply`, type: 'http response', z, statusCode: '', headers: {} },
    { id: `${id}-caught`, type: 'catch', z, scope: [id], uncaught: false, wires: [[`${id}-failed`]] },
    {
      id: `${id}-failed`,
      type: 'change',
      z,
      rules: [setRule('payload', 'error', 'msg'), setRule('statusCode', '502', 'num')],
      wires: [[`${id}-plain`]],
    },
  ];
  return nodes;
}

/**
 * What the deploy tests deploy, again and again: an authorization-code connection `conn` (with
 * `connection`'s settings and, when given, `credentials` as the editor sends them), the route
 * /call answering `valuePath` of its API's /data on one tab, and on another tab a comment named
 * `label`: changing the label changes that flow only, as a "Modified Flows" deploy wants.
 */
export function codeGrantFlows(
  connection: Record<string, unknown>,
  valuePath: string,
  label: string,
  credentials?: Record<string, string>,
): FlowNode[] {
  return [
    {
      id: 'conn',
      type: 'rest-connection',
      name: 'api',
      authType: 'oauth2',
      oauth2Grant: 'authorization_code',
      timeout: 5000,
      retries: 0,
      ...connection,
      ...(credentials ? { credentials } : {}),
    },
    { id: 'tab-api', type: 'tab', label: 'api calls' },
    ...valueRoute({ id: 'ask', route: '/call', z: 'tab-api', connection: 'conn', path: '/data', valuePath }),
    { id: 'tab-other', type: 'tab', label: 'another flow' },
    { id: 'note', type: 'comment', z: 'tab-other', name: label, info: '', wires: [] },
  ];
}
