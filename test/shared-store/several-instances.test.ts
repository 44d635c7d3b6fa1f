/**
 * Three Node-RED instances (child processes, the same flows and credentialSecret) sharing one
 * real redis-server through settings.js `restConnection.store`:
 * - OAuth2 with a token endpoint that rotates refresh tokens and revokes the whole family on
 *   reuse: 10 messages per second into each instance for 12 s all succeed, no refresh token is
 *   ever sent twice, and the instances together refresh about once per token lifetime;
 * - a `rateLimit` of 10 holds for the three together, counted at the API per one-second window;
 * - Redis stopped mid-run: each instance warns (status on its nodes), requests go on with local
 *   state, and sharing resumes when Redis is back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { installPackage, startEditorServer } from '../support/editor/node-red-editor';
import { requirePeer } from '../support/peers/debian-peers';
import { startRedis, type RedisServer } from '../support/peers/redis';
import { startRotatingTokenEndpoint, type RotatingTokenEndpoint } from './rotating-token-endpoint';

type NodeRed = { url: string; stop: () => Promise<void> };
type FlowNode = Record<string, unknown> & { id: string; type: string };

const INSTANCES = 3;
const TOKEN_LIFETIME_S = 6;
/** Like real APIs, a little leeway past expiry: a request sent just in time may arrive a bit later on a busy machine. */
const EXPIRY_LEEWAY_MS = 2000;
const RUN_MS = 12_000;
const SHARED_RATE = 10;

/** The API: /data wants a valid access token; /limited counts arrivals for the rate. */
async function startApi(endpoint: RotatingTokenEndpoint) {
  const limitedArrivals: number[] = [];
  let rejected = 0;
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: object) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/limited') {
      limitedArrivals.push(Date.now());
      return reply(200, { value: 'counted' });
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!endpoint.accessTokenValid(token, EXPIRY_LEEWAY_MS)) {
      rejected++;
      return reply(401, { error: 'invalid_token' });
    }
    reply(200, { value: 'data' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    limitedArrivals,
    get rejected() {
      return rejected;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function flows(apiUrl: string, tokenUrl: string, refreshToken: string): FlowNode[] {
  const ask = (id: string, connection: string, url: string, requestPath: string): FlowNode[] => [
    { id: `${id}-in`, type: 'http in', z: 'tab', url, method: 'get', wires: [[id]] },
    {
      id,
      type: 'execute-rest-scalar',
      z: 'tab',
      connection,
      method: 'GET',
      path: requestPath,
      valuePath: '$.value',
      wires: [[`${id}-plain`]],
    },
    // The API's response headers (content-length…) are not this answer's.
    {
      id: `${id}-plain`,
      type: 'change',
      z: 'tab',
      rules: [{ t: 'delete', p: 'headers', pt: 'msg' }],
      wires: [[`${id}-reply`]],
    },
    {
      id: `${id}-caught`,
      type: 'catch',
      z: 'tab',
      scope: [id],
      uncaught: false,
      wires: [[`${id}-failed`]],
    },
    {
      id: `${id}-failed`,
      type: 'change',
      z: 'tab',
      rules: [
        { t: 'set', p: 'payload', pt: 'msg', to: 'error', tot: 'msg' },
        { t: 'set', p: 'statusCode', pt: 'msg', to: '502', tot: 'num' },
      ],
      wires: [[`${id}-plain`]],
    },
    { id: `${id}-reply`, type: 'http response', z: 'tab', statusCode: '', headers: {} },
  ];
  return [
    { id: 'tab', type: 'tab', label: 'several instances' },
    {
      id: 'conn-oauth',
      type: 'rest-connection',
      z: 'tab',
      name: 'oauth api',
      baseUrl: apiUrl,
      authType: 'oauth2',
      oauth2Grant: 'refresh_token',
      tokenUrl,
      // A shared test machine may be slow; no request should need this long.
      timeout: 15000,
      retries: 0,
      credentials: { clientId: 'client', refreshToken },
    },
    {
      id: 'conn-limited',
      type: 'rest-connection',
      z: 'tab',
      name: 'rate-limited api',
      baseUrl: apiUrl,
      authType: 'none',
      rateLimit: SHARED_RATE,
      timeout: 30000,
      retries: 0,
    },
    ...ask('call', 'conn-oauth', '/call', '/data'),
    ...ask('limited', 'conn-limited', '/limited', '/limited'),
    // What the nodes show in their status, for the test to read: GET /api/statuses.
    { id: 'watch-status', type: 'status', z: 'tab', scope: ['call', 'limited'], wires: [['keep-status']] },
    {
      id: 'keep-status',
      type: 'function',
      z: 'tab',
      func: "const list = flow.get('statuses') || []; list.push(msg.status.text); flow.set('statuses', list); return null;",
      outputs: 1,
      wires: [[]],
    },
    { id: 'statuses-in', type: 'http in', z: 'tab', url: '/statuses', method: 'get', wires: [['statuses-read']] },
    {
      id: 'statuses-read',
      type: 'function',
      z: 'tab',
      func: "msg.payload = flow.get('statuses') || []; return msg;",
      outputs: 1,
      wires: [['statuses-reply']],
    },
    { id: 'statuses-reply', type: 'http response', z: 'tab', statusCode: '', headers: {} },
  ];
}

async function deploy(nodeRed: NodeRed, config: FlowNode[]): Promise<void> {
  const response = await fetch(new URL('flows', nodeRed.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify({ flows: config }),
  });
  assert.equal(response.status, 200, `deploy: ${await response.text()}`);
}

/** One message into an instance's flow: the http-in node's answer. */
async function call(nodeRed: NodeRed, route: string): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(new URL(`api${route}`, nodeRed.url));
    return { status: response.status, body: await response.text() };
  } catch (err) {
    return { status: 0, body: String((err as Error).cause ?? err) };
  }
}

/** Until the flow answers (a deploy answers before the nodes have started). */
async function ready(nodeRed: NodeRed): Promise<void> {
  const deadline = Date.now() + 15000;
  while ((await call(nodeRed, '/statuses')).status !== 200) {
    if (Date.now() > deadline) throw new Error('the deployed flow did not start');
    await delay(100);
  }
}

async function statuses(nodeRed: NodeRed): Promise<string[]> {
  return JSON.parse((await call(nodeRed, '/statuses')).body) as string[];
}

/** `perSecond` messages per second into each instance for `ms`; resolves with every answer. */
async function load(nodeReds: NodeRed[], route: string, perSecond: number, ms: number) {
  const answers: Promise<{ status: number; body: string }>[] = [];
  const count = Math.round((perSecond * ms) / 1000);
  for (let i = 0; i < count; i++) {
    for (const nodeRed of nodeReds) answers.push(call(nodeRed, route));
    await delay(1000 / perSecond);
  }
  return Promise.all(answers);
}

async function until(
  condition: () => Promise<boolean>,
  what: string,
  ms: number,
  seen: () => Promise<unknown> = () => Promise.resolve(''),
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; seen: ${JSON.stringify(await seen())}`);
    await delay(200);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The failed answers, each cut to its message (the first few only, so a failure stays readable). */
function failures(answers: { status: number; body: string }[]): string[] {
  const failed = answers.filter((answer) => answer.status !== 200);
  const shown = failed.slice(0, 5).map((answer) => `${answer.status} ${answer.body.slice(0, 160)}`);
  return failed.length > 5 ? [...shown, `... ${failed.length} failed in all`] : shown;
}

describe('shared store: three Node-RED instances, one connection (redis-server, child processes)', function () {
  this.timeout(120000);
  let redis: RedisServer | undefined;
  let endpoint: RotatingTokenEndpoint | undefined;
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  const nodeReds: NodeRed[] = [];
  const userDirs: string[] = [];

  before(async function () {
    requirePeer(this, 'redis');
    redis = await startRedis();
    endpoint = await startRotatingTokenEndpoint({ delayMs: 50, expiresInSeconds: TOKEN_LIFETIME_S });
    api = await startApi(endpoint);
    const settings = { restConnection: { store: { type: 'redis', url: redis.url, keyPrefix: 'several:' } } };
    for (let i = 0; i < INSTANCES; i++) {
      const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `rest-several-${i}-`));
      userDirs.push(userDir);
      installPackage(userDir);
    }
    // One after the other: each one started is in the list, so after() stops it whatever happens next.
    for (const dir of userDirs) nodeReds.push(await startEditorServer(dir, settings));
    const config = flows(api.url, endpoint.url, endpoint.issue());
    await Promise.all(nodeReds.map((nodeRed) => deploy(nodeRed, config)));
    await Promise.all(nodeReds.map(ready));
  });

  after(async () => {
    await Promise.all(nodeReds.map((nodeRed) => nodeRed.stop()));
    for (const dir of userDirs) fs.rmSync(dir, { recursive: true, force: true });
    await api?.close();
    await endpoint?.close();
    await redis?.close();
  });

  it('10 messages/s into each for 12 s all succeed with rotating refresh tokens; a shared rateLimit of 10 holds for the three', async function () {
    const tokenRun = load(nodeReds, '/call', 10, RUN_MS);
    // 24 requests per second offered to a shared rate of 10: each instance alone would let all through.
    const rateRun = load(nodeReds, '/limited', 8, 5000);
    const [tokenAnswers, rateAnswers] = await Promise.all([tokenRun, rateRun]);

    assert.equal(tokenAnswers.length, INSTANCES * 10 * (RUN_MS / 1000));
    assert.equal(endpoint?.reuses, 0, 'no refresh token was sent twice');
    assert.deepEqual(failures(tokenAnswers), []);
    // About one refresh per lifetime (refreshed 10% ahead of expiry) for all instances together.
    const perLifetime = RUN_MS / (TOKEN_LIFETIME_S * 900);
    const refreshes = endpoint?.calls ?? 0;
    assert.ok(
      refreshes >= Math.floor(perLifetime) && refreshes <= Math.ceil(perLifetime) + 2,
      `${refreshes} token requests in ${RUN_MS / 1000} s with a ${TOKEN_LIFETIME_S} s token lifetime`,
    );

    assert.equal(rateAnswers.length, 120);
    assert.deepEqual(failures(rateAnswers), []);
    const arrivals = api?.limitedArrivals ?? [];
    assert.equal(arrivals.length, 120);
    const first = arrivals[0] ?? 0;
    const perWindow = new Map<number, number>();
    for (const at of arrivals) {
      const window = Math.floor((at - first) / 1000);
      perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
    }
    // Starts are spaced 100 ms apart in Redis; the way to the API adds jitter (a busy instance
    // sends a few late, then together), so one window may hold more: the overall rate below is exact.
    const busiest = Math.max(...perWindow.values());
    const tolerated = Math.round(SHARED_RATE * 1.6);
    assert.ok(
      busiest <= tolerated,
      `at most ${tolerated} in any second at the API (rate ${SHARED_RATE}), saw ${busiest}`,
    );
    const spanSeconds = ((arrivals.at(-1) ?? 0) - first) / 1000;
    assert.ok(
      arrivals.length - 1 <= spanSeconds * SHARED_RATE * 1.05,
      `${arrivals.length} requests in ${spanSeconds.toFixed(1)} s`,
    );
  });

  it('Redis stopped: a warning on the nodes, requests go on with local state; Redis back: shared again', async function () {
    await redis?.stop();
    await until(
      async () =>
        (await Promise.all(nodeReds.map(statuses))).every((list) => list.includes('shared store down: local')),
      'the status "shared store down: local" on every instance',
      10000,
      () => Promise.all(nodeReds.map(statuses)),
    );
    const duringOutage = await load(nodeReds, '/limited', 2, 2000);
    assert.deepEqual(failures(duringOutage), []);

    await redis?.start();
    await until(
      async () => (await Promise.all(nodeReds.map(statuses))).every((list) => list.includes('shared store back')),
      'the status "shared store back" on every instance',
      15000,
      () => Promise.all(nodeReds.map(statuses)),
    );
    // Shared again: 24 per second offered, 10 per second let through for the three together.
    const arrivals = api?.limitedArrivals ?? [];
    const before = arrivals.length;
    const afterwards = await load(nodeReds, '/limited', 8, 2000);
    assert.deepEqual(failures(afterwards), []);
    const shared = arrivals.slice(before);
    const spanSeconds = ((shared.at(-1) ?? 0) - (shared[0] ?? 0)) / 1000;
    assert.ok(
      shared.length - 1 <= spanSeconds * SHARED_RATE * 1.05,
      `${shared.length} requests in ${spanSeconds.toFixed(1)} s after Redis came back`,
    );
    assert.equal(endpoint?.reuses, 0, 'no refresh token was sent twice');
  });
});
