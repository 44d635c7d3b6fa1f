import assert from 'node:assert/strict';
import { flowWith, helper, load, nextMessage, useNodeRed } from '../support/node-red';
import { json, startApi, type LoopbackServer, type ReceivedRequest } from '../support/loopback-server';

interface NodeContext {
  context(): { global: { set(key: string, value: unknown): void } };
}

describe('execute nodes: building the request from settings and msg', function () {
  let api: LoopbackServer;
  useNodeRed();
  before(async () => {
    const echo = (_req: unknown, res: import('node:http').ServerResponse, record: ReceivedRequest) =>
      json(res, 200, { method: record.method, path: record.path, body: record.body });
    api = await startApi({
      '/v1/echo': echo,
      '/v1/users/a%2Fb%20c%3F%26': echo,
      '/v1/users/42': echo,
      '/v1/users/42/orders': echo,
      '/v1/users:search': echo,
    });
  });
  after(() => api.close());

  /** Sends `msg` through a scalar node with `node`'s settings; resolves with what the API received. */
  async function send(
    node: object,
    msg: object,
    { flowExtra = {}, globalContext }: { flowExtra?: object; globalContext?: Record<string, unknown> } = {},
  ): Promise<ReceivedRequest> {
    await load(
      flowWith({
        type: 'execute-rest-scalar',
        connection: { baseUrl: `${api.url}/v1` },
        node: { method: 'GET', path: '/echo', ...node },
        ...flowExtra,
      }),
    );
    if (globalContext)
      for (const [k, v] of Object.entries(globalContext))
        (helper.getNode('restNode') as unknown as NodeContext).context().global.set(k, v);
    const out = nextMessage('out');
    helper.getNode('restNode').receive(msg);
    await out;
    const request = api.requests.at(-1);
    assert.ok(request, 'the API received the request');
    return request;
  }

  it('appends the path to the base URL path', async () => {
    const request = await send({ path: '/users/42/orders' }, {});
    assert.equal(request.path, '/v1/users/42/orders');
  });

  it('fills {{placeholders}} from msg, URL-encoding characters that would change the path', async () => {
    const request = await send({ path: '/users/{{payload.id}}' }, { payload: { id: 'a/b c?&' } });
    assert.equal(request.url, '/v1/users/a%2Fb%20c%3F%26');
  });

  it('msg.path overrides the node path and takes placeholders too', async () => {
    const request = await send({ path: '/nothing' }, { path: '/users/{{topic}}/orders', topic: 42 });
    assert.equal(request.path, '/v1/users/42/orders');
  });

  it('expands ${ENV} inside the node path', async () => {
    process.env.REST_TEST_USER_ID = '42';
    try {
      const request = await send({ path: '/users/${REST_TEST_USER_ID}/orders' }, {});
      assert.equal(request.path, '/v1/users/42/orders');
    } finally {
      delete process.env.REST_TEST_USER_ID;
    }
  });

  it('a colon in the first path segment is a path, not a URL scheme', async () => {
    const request = await send({ path: 'users:search' }, {});
    assert.equal(request.path, '/v1/users:search');
  });

  it('a path with its own query string keeps it', async () => {
    const request = await send({ path: '/echo?active=true' }, {});
    assert.equal(request.query.active, 'true');
  });

  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    it(`sends ${method} with a JSON body from msg.payload`, async () => {
      const request = await send({ method, bodyType: 'json' }, { payload: { name: 'Ada', n: 1 } });
      assert.equal(request.method, method);
      assert.equal(request.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(request.body), { name: 'Ada', n: 1 });
    });
  }

  it('sends a form body', async () => {
    const request = await send({ method: 'POST', bodyType: 'form' }, { payload: { name: 'A B', tags: ['x', 'y'] } });
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(request.body, 'name=A+B&tags=x&tags=y');
  });

  it('sends a text body', async () => {
    const request = await send({ method: 'POST', bodyType: 'text' }, { payload: 'plain words' });
    assert.match(request.headers['content-type'] ?? '', /^text\/plain/);
    assert.equal(request.body, 'plain words');
  });

  it('sends no body with bodyType none', async () => {
    const request = await send({ method: 'POST', bodyType: 'none' }, { payload: { ignored: true } });
    assert.equal(request.body, '');
    assert.equal(request.headers['content-type'], undefined);
  });

  it('sends no body on GET whatever msg.payload holds', async () => {
    const request = await send({ method: 'GET' }, { payload: { ignored: true } });
    assert.equal(request.body, '');
  });

  it('a content-type header from msg wins over the body type default', async () => {
    const request = await send(
      { method: 'POST', bodyType: 'text' },
      { payload: '<a/>', headers: { 'Content-Type': 'application/xml' } },
    );
    assert.equal(request.headers['content-type'], 'application/xml');
  });

  it('method "use" takes msg.method', async () => {
    const request = await send({ method: 'use' }, { method: 'delete' });
    assert.equal(request.method, 'DELETE');
  });

  it('msg.method overrides the node method', async () => {
    const request = await send({ method: 'GET', bodyType: 'json' }, { method: 'POST', payload: { a: 1 } });
    assert.equal(request.method, 'POST');
    assert.equal(request.body, '{"a":1}');
  });

  it('evaluates typed query values: str, num, bool, msg, flow, global, env, jsonata', async () => {
    process.env.REST_TEST_REGION = 'eu-1';
    try {
      const request = await send(
        {
          query: [
            { name: 's', value: 'text', type: 'str' },
            { name: 'n', value: '7', type: 'num' },
            { name: 'b', value: 'true', type: 'bool' },
            { name: 'm', value: 'payload.filter', type: 'msg' },
            { name: 'g', value: 'site', type: 'global' },
            { name: 'e', value: 'REST_TEST_REGION', type: 'env' },
            { name: 'j', value: 'payload.n * 2', type: 'jsonata' },
          ],
        },
        { payload: { filter: 'active', n: 21 } },
        { globalContext: { site: 'plant-3' } },
      );
      assert.deepEqual(request.query, { s: 'text', n: '7', b: 'true', m: 'active', g: 'plant-3', e: 'eu-1', j: '42' });
    } finally {
      delete process.env.REST_TEST_REGION;
    }
  });

  it('evaluates typed header values from msg', async () => {
    const request = await send(
      { headers: [{ name: 'X-Trace', value: 'trace.id', type: 'msg' }] },
      { trace: { id: 'abc' } },
    );
    assert.equal(request.headers['x-trace'], 'abc');
  });

  it('HEAD requests work and the scalar value is missing-handled', async () => {
    await load(
      flowWith({
        type: 'execute-rest-scalar',
        connection: { baseUrl: `${api.url}/v1` },
        node: { method: 'HEAD', path: '/echo', missing: 'null' },
      }),
    );
    const out = nextMessage('out');
    helper.getNode('restNode').receive({});
    const msg = await out;
    assert.equal(msg.statusCode, 200);
    assert.equal(msg.payload, null);
    assert.equal(api.requests.at(-1)?.method, 'HEAD');
  });
});
