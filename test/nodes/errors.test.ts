import assert from 'node:assert/strict';
import type http from 'node:http';
import { flowWith, helper, load, nextCaught, silence, statuses, useNodeRed, type Caught } from '../support/node-red';
import { json, startApi, type LoopbackServer } from '../support/loopback-server';
import { assertNoSecret } from '../support/secret-scan';

interface CaughtOptions {
  connection?: Record<string, unknown>;
  credentials?: Record<string, string>;
  node?: Record<string, unknown>;
  type?: string;
  msg?: object;
}

describe('errors reach a catch node with the message, a stable code and no secret', function () {
  let api: LoopbackServer;
  useNodeRed();
  before(async () => {
    api = await startApi({
      'GET /v1/missing': (_req, res) => json(res, 404, { error: 'no such user', token: 'secret-token-value' }),
      'GET /v1/html': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>not json</html>');
      },
      'GET /v1/users': [{ id: 1 }],
      'GET /v1/slow': (_req, res) => setTimeout(() => json(res, 200, { late: true }), 2000),
      'GET /v1/big': (_req, res: http.ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        // Streams far more than the limit, without a content-length.
        let sent = 0;
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (sent < 50 * 1024 * 1024) {
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        res.on('close', () => (sent = Infinity));
        pump();
      },
    });
  });
  after(() => api.close());

  async function caughtFrom({
    connection = {},
    credentials = {},
    node = {},
    type = 'execute-rest-grid',
    msg = { payload: 'keep' },
  }: CaughtOptions = {}): Promise<Caught> {
    await load(
      flowWith({ type, connection: { baseUrl: `${api.url}/v1`, ...connection }, node: { method: 'GET', ...node } }),
      {
        restConn: credentials,
      },
    );
    const caught = nextCaught('caught');
    const quiet = silence('out', 200);
    helper.getNode('restNode').receive(msg);
    const result = await caught;
    await quiet;
    return result;
  }

  it('a non-2xx answer is ERR_HTTP_STATUS with status, headers and a body excerpt on the message', async () => {
    const msg = await caughtFrom({ node: { path: '/missing' } });
    assert.equal(msg.error.code, 'ERR_HTTP_STATUS');
    assert.match(msg.error.message, /HTTP 404/);
    assert.equal(msg.error.source?.id, 'restNode');
    assert.equal(msg.statusCode, 404);
    assert.equal(msg.headers?.['content-type'], 'application/json');
    assert.match(msg.responseBody ?? '', /no such user/);
    assert.equal(msg.payload, 'keep');
    assert.deepEqual(statuses('restNode').at(-1), { fill: 'red', shape: 'ring', text: 'ERR_HTTP_STATUS 404' });
  });

  it('a response body that echoes the token is redacted in responseBody', async () => {
    const msg = await caughtFrom({
      node: { path: '/missing' },
      connection: { authType: 'bearer' },
      credentials: { token: 'secret-token-value' },
    });
    assertNoSecret(msg, ['secret-token-value']);
    assert.match(msg.responseBody ?? '', /\*\*\*/);
  });

  it('HTML where JSON is needed is ERR_NOT_JSON, with the body excerpt', async () => {
    const msg = await caughtFrom({ node: { path: '/html' } });
    assert.equal(msg.error.code, 'ERR_NOT_JSON');
    assert.match(msg.error.message, /text\/html/);
    assert.doesNotMatch(msg.error.message, /html>/, 'the message does not quote the body');
    assert.equal(msg.error.cause, undefined);
    assert.match(msg.responseBody ?? '', /not json/);
  });

  it('an invalid rowsPath is ERR_JSONPATH on every message', async () => {
    const msg = await caughtFrom({ node: { path: '/users', rowsPath: '$[?(@.id==' } });
    assert.equal(msg.error.code, 'ERR_JSONPATH');
    assert.match(msg.error.message, /rowsPath/);
  });

  it('an invalid valuePath is ERR_JSONPATH', async () => {
    const msg = await caughtFrom({ type: 'execute-rest-scalar', node: { path: '/users', valuePath: '$..[' } });
    assert.equal(msg.error.code, 'ERR_JSONPATH');
  });

  it('an absolute msg.path on another origin is ERR_ORIGIN and nothing is sent', async () => {
    const other = await startApi({ 'GET /steal': { got: 'it' } });
    try {
      const msg = await caughtFrom({
        connection: { authType: 'bearer' },
        credentials: { token: 'do-not-leak' },
        msg: { path: `${other.url}/steal` },
      });
      assert.equal(msg.error.code, 'ERR_ORIGIN');
      assert.equal(other.requests.length, 0, 'the other server saw no request');
    } finally {
      await other.close();
    }
  });

  it('a protocol-relative path to another host is ERR_ORIGIN', async () => {
    const before = api.requests.length;
    const msg = await caughtFrom({ msg: { path: '//evil.example/x' } });
    assert.equal(msg.error.code, 'ERR_ORIGIN');
    assert.equal(api.requests.length, before);
  });

  it('an invalid baseUrl is ERR_CONFIG, shown in the status at deploy', async () => {
    const msg = await caughtFrom({ connection: { baseUrl: 'ftp://files.example' } });
    assert.equal(msg.error.code, 'ERR_CONFIG');
    assert.match(msg.error.message, /http/);
    assert.ok(statuses('restNode').some((s) => s.text === 'ERR_CONFIG'));
  });

  it('basic auth without a username is ERR_CONFIG', async () => {
    const msg = await caughtFrom({ connection: { authType: 'basic' }, credentials: {} });
    assert.equal(msg.error.code, 'ERR_CONFIG');
  });

  it('method "use" without msg.method is ERR_CONFIG', async () => {
    const msg = await caughtFrom({ node: { method: 'use', path: '/users' } });
    assert.equal(msg.error.code, 'ERR_CONFIG');
    assert.match(msg.error.message, /msg\.method/);
  });

  it('an unknown msg.method is ERR_CONFIG', async () => {
    const msg = await caughtFrom({ node: { path: '/users' }, msg: { method: 'BREW' } });
    assert.equal(msg.error.code, 'ERR_CONFIG');
  });

  it('msg.query that is not an object is ERR_CONFIG', async () => {
    const msg = await caughtFrom({ node: { path: '/users' }, msg: { query: 'a=1' } });
    assert.equal(msg.error.code, 'ERR_CONFIG');
  });

  it('a placeholder without a value is ERR_VALUE and nothing is sent', async () => {
    const before = api.requests.length;
    const msg = await caughtFrom({ node: { path: '/users/{{payload.id}}' }, msg: { payload: {} } });
    assert.equal(msg.error.code, 'ERR_VALUE');
    assert.match(msg.error.message, /payload\.id/);
    assert.equal(api.requests.length, before);
  });

  it('msg.path that is not a string is ERR_CONFIG', async () => {
    const msg = await caughtFrom({ node: { path: '/users' }, msg: { path: 42 } });
    assert.equal(msg.error.code, 'ERR_CONFIG');
    assert.match(msg.error.message, /msg\.path/);
  });

  it('msg.headers that is an array is ERR_CONFIG', async () => {
    const msg = await caughtFrom({ node: { path: '/users' }, msg: { headers: ['x'] } });
    assert.equal(msg.error.code, 'ERR_CONFIG');
    assert.match(msg.error.message, /msg\.headers/);
  });

  it('a header value with a line break is ERR_VALUE and nothing is sent', async () => {
    const before = api.requests.length;
    const msg = await caughtFrom({ node: { path: '/users' }, msg: { headers: { 'X-Bad': 'a\r\nInjected: yes' } } });
    assert.equal(msg.error.code, 'ERR_VALUE');
    assert.match(msg.error.message, /x-bad/i);
    assert.equal(api.requests.length, before);
  });

  it('a connection header with a space in its name is ERR_CONFIG', async () => {
    const msg = await caughtFrom({
      connection: { headers: [{ name: 'Bad Name', value: 'x' }] },
      node: { path: '/users' },
    });
    assert.equal(msg.error.code, 'ERR_CONFIG');
  });

  it('a circular msg.payload as a JSON body is ERR_VALUE, and the node keeps working', async () => {
    const payload: Record<string, unknown> = { a: 1 };
    payload.self = payload;
    const msg = await caughtFrom({ node: { method: 'POST', path: '/users' }, msg: { payload } });
    assert.equal(msg.error.code, 'ERR_VALUE');
    assert.match(msg.error.message, /JSON/);
  });

  it('a form body from a non-object payload is ERR_VALUE', async () => {
    const msg = await caughtFrom({ node: { method: 'POST', path: '/users', bodyType: 'form' }, msg: { payload: 42 } });
    assert.equal(msg.error.code, 'ERR_VALUE');
    assert.match(msg.error.message, /form/);
  });

  it('a negative timeout on the connection is ERR_CONFIG naming the setting', async () => {
    const msg = await caughtFrom({ connection: { timeout: -5 }, node: { path: '/users' } });
    assert.equal(msg.error.code, 'ERR_CONFIG');
    assert.match(msg.error.message, /timeout/);
  });

  it('an invalid outputProperty is ERR_CONFIG and nothing is sent', async () => {
    const before = api.requests.length;
    const msg = await caughtFrom({ node: { path: '/users', outputProperty: 'a..b' } });
    assert.equal(msg.error.code, 'ERR_CONFIG');
    assert.match(msg.error.message, /outputProperty/);
    assert.equal(api.requests.length, before);
  });

  it('a placeholder of "." or ".." is ERR_VALUE: it would move the request to another path', async () => {
    const before = api.requests.length;
    const msg = await caughtFrom({
      node: { path: '/accounts/{{payload.id}}/transfers' },
      msg: { payload: { id: '..' } },
    });
    assert.equal(msg.error.code, 'ERR_VALUE');
    assert.equal(api.requests.length, before);
  });

  it('a placeholder whose parent property is missing is ERR_VALUE, not a crash', async () => {
    const msg = await caughtFrom({ node: { path: '/users/{{payload.user.id}}' }, msg: { payload: {} } });
    assert.equal(msg.error.code, 'ERR_VALUE');
    assert.match(msg.error.message, /payload\.user\.id/);
  });

  it('a failing jsonata query value is ERR_CONFIG', async () => {
    const msg = await caughtFrom({
      node: { path: '/users', query: [{ name: 'x', value: '$nosuchfn()', type: 'jsonata' }] },
    });
    assert.equal(msg.error.code, 'ERR_CONFIG');
    assert.match(msg.error.message, /"x"/);
  });

  it('no answer within timeout is ERR_TIMEOUT', async () => {
    const msg = await caughtFrom({ connection: { timeout: 300, retries: 0 }, node: { path: '/slow' } });
    assert.equal(msg.error.code, 'ERR_TIMEOUT');
    assert.match(msg.error.message, /300 ms/);
  });

  it('a refused connection is ERR_NETWORK', async () => {
    const closed = await startApi();
    const url = closed.url;
    await closed.close();
    const msg = await caughtFrom({ connection: { baseUrl: url, retries: 0 }, node: { path: '/x' } });
    assert.equal(msg.error.code, 'ERR_NETWORK');
    assert.match(msg.error.message, /refused/);
  });

  it('a response larger than maxResponseBytes is ERR_RESPONSE_TOO_LARGE without reading it all', async () => {
    const msg = await caughtFrom({ connection: { maxResponseBytes: 100000 }, node: { path: '/big' } });
    assert.equal(msg.error.code, 'ERR_RESPONSE_TOO_LARGE');
    assert.match(msg.error.message, /100000/);
    assert.equal(msg.statusCode, 200, 'the response status is on the message');
  });

  it('a missing connection is ERR_CONFIG', async () => {
    await load([
      { id: 'tab', type: 'tab' },
      { id: 'restNode', type: 'execute-rest-grid', z: 'tab', connection: 'nope', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: null, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ]);
    const caught = nextCaught('caught');
    helper.getNode('restNode').receive({ payload: 1 });
    const msg = await caught;
    assert.equal(msg.error.code, 'ERR_CONFIG');
    assert.equal(msg.payload, 1);
  });

  it('no secret appears in any error message, status or log line', async () => {
    const secrets = { username: 'u', password: 'pa55-w0rd-secret' };
    await caughtFrom({
      connection: { authType: 'basic', baseUrl: `${api.url}/v1` },
      credentials: secrets,
      node: { path: '/missing' },
    });
    const logged =
      JSON.stringify(
        helper
          .log()
          .getCalls()
          .map((call) => call.args),
      ) + JSON.stringify(statuses('restNode'));
    assertNoSecret(logged, [secrets.password], { users: [secrets.username] });
  });
});
