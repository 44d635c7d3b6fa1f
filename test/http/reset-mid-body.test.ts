/**
 * A connection that the server resets (or closes) after the status line, in the middle of the
 * body, says so: ERR_NETWORK "closed while reading the response", not "Could not reach", for a
 * body with a Content-Length and a chunked one; a server that resets before answering still
 * gets "Could not reach". No socket stays open. Through RestClient and a node.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connectionDefaults } from '../../lib/definitions';
import { RestClient } from '../../lib/http/rest-client';
import { flowWith, helper, load, nextMessage, useNodeRed } from '../support/node-red';

describe('http: a connection reset in the middle of the body', function () {
  let server: http.Server;
  let url: string;
  const sockets = new Set<Socket>();
  let client: RestClient;

  before(async () => {
    server = http.createServer((req, res) => {
      const cut = (how: 'reset' | 'close') =>
        setTimeout(() => (how === 'reset' ? res.socket?.resetAndDestroy() : res.socket?.destroy()), 20);
      if (req.url === '/before') return void req.socket.resetAndDestroy();
      if (req.url?.startsWith('/chunked')) {
        res.writeHead(200, { 'content-type': 'application/json' });
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
      }
      res.write('{"items":[{"id":1},{"id":2},');
      cut(req.url?.endsWith('close') ? 'close' : 'reset');
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = await RestClient.create({ ...connectionDefaults, baseUrl: url, retries: 0 }, {});
  });
  after(async () => {
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  for (const path of ['/length', '/length-close', '/chunked', '/chunked-close']) {
    it(`${path}: ERR_NETWORK, the connection was closed while reading the response`, async function () {
      await assert.rejects(
        client.request({ method: 'GET', path }),
        (err: Error & { code?: string; statusCode?: number }) => {
          assert.equal(err.code, 'ERR_NETWORK');
          assert.match(
            err.message,
            new RegExp(
              `^The connection to ${url}${path} was closed while reading the response: the server answered HTTP 200, then the body stopped before its end`,
            ),
          );
          assert.doesNotMatch(err.message, /Could not reach/);
          return true;
        },
      );
    });
  }

  it('a reset before any answer is still "Could not reach"', async function () {
    await assert.rejects(client.request({ method: 'GET', path: '/before' }), {
      code: 'ERR_NETWORK',
      message: /^Could not reach .*\/before: the server closed the connection \(ECONNRESET\)/,
    });
  });

  it('with retries, the last attempt is reported the same way and no socket stays open', async function () {
    const retrying = await RestClient.create({ ...connectionDefaults, baseUrl: url, retries: 2 }, {});
    try {
      await assert.rejects(retrying.request({ method: 'GET', path: '/length' }), {
        code: 'ERR_NETWORK',
        message: /closed while reading the response/,
      });
    } finally {
      await retrying.close();
    }
    await client.close();
    for (let i = 0; i < 50 && sockets.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(sockets.size, 0);
    client = await RestClient.create({ ...connectionDefaults, baseUrl: url, retries: 0 }, {});
  });

  describe('through a grid node', function () {
    useNodeRed();

    it('caught ERR_NETWORK saying the connection was closed while reading the response', async function () {
      await load(flowWith({ connection: { baseUrl: url, retries: 0 }, node: { path: '/chunked' } }));
      const caught = nextMessage('caught');
      helper.getNode('restNode').receive({ payload: 1 });
      const { error } = (await caught) as { error: { code: string; message: string } };
      assert.equal(error.code, 'ERR_NETWORK');
      assert.match(error.message, /was closed while reading the response/);
    });
  });
});
