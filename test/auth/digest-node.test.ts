/**
 * Digest through Node-RED (node-red-node-test-helper, dist/): a rest-connection with authType
 * digest and a scalar node, against the loopback server that checks each answer. Messages reuse
 * the connection's nonce (one challenge for many messages, also twenty at once); a wrong
 * password reaches a catch node as ERR_HTTP_STATUS 401 and shows nowhere.
 */
import assert from 'node:assert/strict';
import { flowWith, helper, load, messages, nextMessage, useNodeRed } from '../support/node-red';
import { startDigestServer, type DigestServer } from './digest-server';

const USER = 'node-user';
const PASSWORD = 'N0de+Digest/Pass=word~';

describe('auth: Digest through a Node-RED node', function () {
  let server: DigestServer;
  useNodeRed();

  beforeEach(async function () {
    server = await startDigestServer({ algorithm: 'SHA-256', user: USER, password: PASSWORD });
  });
  afterEach(() => server.close());

  function loadFlow(password: string) {
    return load(
      flowWith({
        type: 'execute-rest-scalar',
        connection: { baseUrl: server.url, authType: 'digest', retries: 0 },
        node: { method: 'GET', path: '/value/{{payload}}', valuePath: '$.nc' },
      }),
      { restConn: { username: USER, password } },
    );
  }

  it('three messages one after another: one challenge, nc 1, 2, 3', async function () {
    await loadFlow(PASSWORD);
    const values: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const out = nextMessage('out');
      helper.getNode('restNode').receive({ payload: i });
      values.push(((await out) as { payload: unknown }).payload);
    }
    assert.deepEqual(values, [1, 2, 3]);
    assert.equal(server.challenges, 1);
  });

  it('twenty messages at once: all answered, one challenge, no nc twice', async function () {
    await loadFlow(PASSWORD);
    const out = messages('out', 20);
    for (let i = 0; i < 20; i++) helper.getNode('restNode').receive({ payload: i });
    const received = (await out) as { payload: number }[];
    assert.deepEqual(
      received.map((msg) => msg.payload).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.equal(server.challenges, 1);
    assert.equal(server.refused, 0);
  });

  it('a wrong password: the catch node gets ERR_HTTP_STATUS 401; the password shows nowhere', async function () {
    const wrong = 'Wr0ng+N0de/Pass=~';
    await loadFlow(wrong);
    const caught = nextMessage('caught');
    helper.getNode('restNode').receive({ payload: 1 });
    const msg = (await caught) as { error: { code: string; message: string }; statusCode: number };
    assert.equal(msg.error.code, 'ERR_HTTP_STATUS');
    assert.equal(msg.statusCode, 401);
    const log = helper
      .log()
      .getCalls()
      .map((call) => JSON.stringify(call.args))
      .join('\n');
    const seen = `${JSON.stringify(msg)}\n${log}`;
    for (const form of [wrong, Buffer.from(wrong).toString('base64'), encodeURIComponent(wrong)]) {
      assert.ok(!seen.includes(form), `shows ${form}`);
    }
  });
});
