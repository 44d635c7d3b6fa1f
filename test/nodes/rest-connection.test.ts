import assert from 'node:assert/strict';
import { flowWith, helper, load, nextMessage, outputOf, useNodeRed, type Msg } from '../support/node-red';
import { json, startApi, type LoopbackServer, type ReceivedRequest } from '../support/loopback-server';

interface RoundTrip {
  connection?: object;
  credentials?: object;
  node?: object;
  msg?: object;
}

/** Runs one message through a scalar node on `connection` and returns what the API received. */
async function roundTrip(
  api: LoopbackServer,
  { connection = {}, credentials = {}, node = {}, msg = {} }: RoundTrip = {},
): Promise<{ request: ReceivedRequest; msg: Msg }> {
  await load(
    flowWith({
      type: 'execute-rest-scalar',
      connection: { baseUrl: `${api.url}/v1`, ...connection },
      node: { method: 'GET', path: '/echo', valuePath: '$', ...node },
    }),
    { restConn: credentials },
  );
  const before = api.requests.length;
  const result = await outputOf(msg);
  assert.equal(api.requests.length, before + 1, 'exactly one request reached the API');
  return { request: api.requests.at(-1)!, msg: result };
}

describe('rest-connection: authentication and shared settings on the wire', function () {
  let api: LoopbackServer;
  /** The client port of each request, in order: one port is one socket. */
  const remotePorts: (number | undefined)[] = [];
  useNodeRed();
  before(async () => {
    api = await startApi({
      'GET /v1/echo': (req, res) => {
        remotePorts.push(req.socket.remotePort);
        json(res, 200, { ok: true });
      },
    });
  });
  after(() => api.close());

  it('none sends no Authorization header', async () => {
    const { request } = await roundTrip(api);
    assert.equal(request.headers.authorization, undefined);
  });

  it('basic sends the username and password', async () => {
    const { request } = await roundTrip(api, {
      connection: { authType: 'basic' },
      credentials: { username: 'ada', password: 'p@ss:word' },
    });
    assert.equal(request.headers.authorization, `Basic ${Buffer.from('ada:p@ss:word').toString('base64')}`);
  });

  it('bearer sends "Bearer <token>" in Authorization by default', async () => {
    const { request } = await roundTrip(api, { connection: { authType: 'bearer' }, credentials: { token: 'tok-123' } });
    assert.equal(request.headers.authorization, 'Bearer tok-123');
  });

  it('bearer with an empty prefix ("is bearer token" unticked) sends the raw token', async () => {
    const { request } = await roundTrip(api, {
      connection: { authType: 'bearer', tokenPrefix: '' },
      credentials: { token: 'raw-token' },
    });
    assert.equal(request.headers.authorization, 'raw-token');
  });

  it('bearer honours a custom token header and prefix', async () => {
    const { request } = await roundTrip(api, {
      connection: { authType: 'bearer', tokenHeader: 'X-Auth-Token', tokenPrefix: 'Token' },
      credentials: { token: 'abc' },
    });
    assert.equal(request.headers['x-auth-token'], 'Token abc');
    assert.equal(request.headers.authorization, undefined);
  });

  it('apiKey in a header', async () => {
    const { request } = await roundTrip(api, {
      connection: { authType: 'apiKey', apiKeyName: 'X-API-Key', apiKeyIn: 'header' },
      credentials: { apiKey: 'key-1' },
    });
    assert.equal(request.headers['x-api-key'], 'key-1');
    assert.deepEqual(request.query, {});
  });

  it('apiKey in the query string', async () => {
    const { request } = await roundTrip(api, {
      connection: { authType: 'apiKey', apiKeyName: 'api_key', apiKeyIn: 'query' },
      credentials: { apiKey: 'key/with+chars' },
    });
    assert.equal(request.query.api_key, 'key/with+chars');
    assert.equal(request.headers['x-api-key'], undefined);
  });

  it('the auth header wins over a header of the same name from the node or msg', async () => {
    const { request } = await roundTrip(api, {
      connection: { authType: 'bearer' },
      credentials: { token: 'real' },
      msg: { headers: { Authorization: 'Bearer forged' } },
    });
    assert.equal(request.headers.authorization, 'Bearer real');
  });

  it('merges headers: connection < node < msg.headers (case-insensitive)', async () => {
    const { request } = await roundTrip(api, {
      connection: {
        headers: [
          { name: 'X-Conn', value: 'c' },
          { name: 'X-Shared', value: 'from-connection' },
          { name: 'X-Both', value: 'from-connection' },
        ],
      },
      node: {
        headers: [
          { name: 'x-shared', value: 'from-node', type: 'str' },
          { name: 'X-Node', value: 'n', type: 'str' },
        ],
      },
      msg: { headers: { 'X-BOTH': 'from-msg', 'X-Msg': 'm' } },
    });
    assert.equal(request.headers['x-conn'], 'c');
    assert.equal(request.headers['x-shared'], 'from-node');
    assert.equal(request.headers['x-node'], 'n');
    assert.equal(request.headers['x-both'], 'from-msg');
    assert.equal(request.headers['x-msg'], 'm');
  });

  it('does not forward response headers such as content-length from msg.headers', async () => {
    const { request } = await roundTrip(api, { msg: { headers: { 'content-length': '999', 'x-keep': 'yes' } } });
    assert.equal(request.headers['content-length'], undefined);
    assert.equal(request.headers['x-keep'], 'yes');
  });

  it('merges query parameters: connection < node < msg.query, arrays repeat', async () => {
    const { request } = await roundTrip(api, {
      connection: {
        queryParams: [
          { name: 'tenant', value: 'acme' },
          { name: 'lang', value: 'en' },
        ],
      },
      node: {
        query: [
          { name: 'lang', value: 'de', type: 'str' },
          { name: 'limit', value: '10', type: 'num' },
        ],
      },
      msg: { query: { limit: 5, tag: ['a', 'b'] } },
    });
    assert.equal(request.query.tenant, 'acme');
    assert.equal(request.query.lang, 'de');
    assert.equal(request.query.limit, '5');
    assert.match(request.url, /tag=a&tag=b/);
  });

  it('sends the connection cookies in one Cookie header, after any cookie given by msg', async () => {
    const { request } = await roundTrip(api, {
      connection: {
        cookies: [
          { name: 'session', value: 's1' },
          { name: 'region', value: 'eu' },
        ],
      },
      msg: { headers: { cookie: 'flow=1' } },
    });
    assert.equal(request.headers.cookie, 'flow=1; session=s1; region=eu');
  });

  it('expands ${ENV} references inside connection settings and credentials', async () => {
    process.env.REST_TEST_PATH_PREFIX = 'v1';
    process.env.REST_TEST_TOKEN = 'env-token';
    try {
      await load(
        flowWith({
          type: 'execute-rest-scalar',
          connection: {
            baseUrl: `${api.url}/\${REST_TEST_PATH_PREFIX}`,
            authType: 'bearer',
            headers: [{ name: 'X-Env', value: 'prefix-${REST_TEST_PATH_PREFIX}' }],
          },
          node: { method: 'GET', path: '/echo' },
        }),
        { restConn: { token: '${REST_TEST_TOKEN}' } },
      );
      const msg = await outputOf({});
      assert.equal(msg.responseUrl, `${api.url}/v1/echo`);
      const request = api.requests.at(-1)!;
      assert.equal(request.headers.authorization, 'Bearer env-token');
      assert.equal(request.headers['x-env'], 'prefix-v1');
    } finally {
      delete process.env.REST_TEST_PATH_PREFIX;
      delete process.env.REST_TEST_TOKEN;
    }
  });

  it('uses the default of ${NAME:-default} in baseUrl while the variable is unset, the variable once set', async () => {
    delete process.env.REST_TEST_BASE_URL;
    await load(
      flowWith({
        type: 'execute-rest-scalar',
        connection: { baseUrl: `\${REST_TEST_BASE_URL:-${api.url}/v1}` },
        node: { method: 'GET', path: '/echo' },
      }),
    );
    assert.equal((await outputOf({})).responseUrl, `${api.url}/v1/echo`);
    await helper.unload();

    // Set, it wins over a default that leads nowhere (port 9 on loopback: the discard port, closed here).
    process.env.REST_TEST_BASE_URL = `${api.url}/v1`;
    try {
      await load(
        flowWith({
          type: 'execute-rest-scalar',
          connection: { baseUrl: '${REST_TEST_BASE_URL:-http://127.0.0.1:9/nowhere}' },
          node: { method: 'GET', path: '/echo' },
        }),
      );
      assert.equal((await outputOf({})).responseUrl, `${api.url}/v1/echo`);
    } finally {
      delete process.env.REST_TEST_BASE_URL;
    }
  });

  it('closes its keep-alive sockets when the flow is stopped (redeploy)', async () => {
    await roundTrip(api);
    assert.ok(api.openSockets() >= 1, 'the request used a kept-alive socket');
    await helper.unload();
    await new Promise<void>((resolve) => setTimeout(resolve, 100));
    assert.equal(api.openSockets(), 0, 'no socket left open after close');
  });

  it('reuses one keep-alive socket for consecutive requests of all nodes on the connection', async () => {
    await load([
      ...flowWith({ type: 'execute-rest-scalar', connection: { baseUrl: `${api.url}/v1` }, node: { path: '/echo' } }),
      { id: 'second', type: 'execute-rest-grid', z: 'tab', connection: 'restConn', path: '/echo', wires: [['out2']] },
      { id: 'out2', type: 'helper', z: 'tab' },
    ]);
    const calls: [string, string][] = [
      ['restNode', 'out'],
      ['second', 'out2'],
      ['restNode', 'out'],
    ];
    for (const [id, out] of calls) {
      const received = nextMessage(out);
      helper.getNode(id).receive({});
      await received;
    }
    const ports = new Set(remotePorts.slice(-3));
    assert.equal(ports.size, 1, `one socket served all three requests, saw ports ${[...ports].join(', ')}`);
  });
});
