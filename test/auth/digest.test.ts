/**
 * Digest API authentication (authType: digest, RFC 7616) against a loopback server that checks
 * each answer with the known password: MD5, SHA-256 and their -sess forms; one challenge per
 * connection with the nonce reused and nc counting up; stale=true answered once with the new
 * nonce; twenty requests at once (one challenge, no nc twice); a wrong password is the API's
 * 401 as ERR_HTTP_STATUS, with no trace of the password.
 */
import assert from 'node:assert/strict';
import { connectionDefaults } from '../../lib/definitions';
import { RestError } from '../../lib/errors';
import { RestClient } from '../../lib/http/rest-client';
import type { ConnectionProperties } from '../../lib/types';
import { json, startApi } from '../support/loopback-server';
import { startDigestServer, type DigestAlgorithm, type DigestServer } from './digest-server';

const USER = 'digest-user';
const PASSWORD = 'Pa$$w0rd+/=~secret';

describe('auth: Digest (authType digest)', function () {
  const servers: DigestServer[] = [];
  const clients: RestClient[] = [];

  afterEach(async function () {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function setUp(algorithm: DigestAlgorithm, password = PASSWORD, props: Partial<ConnectionProperties> = {}) {
    const server = await startDigestServer({ algorithm, user: USER, password: PASSWORD });
    servers.push(server);
    const client = await RestClient.create(
      { ...connectionDefaults, baseUrl: `${server.url}/api`, authType: 'digest', retries: 0, ...props },
      { username: USER, password },
    );
    clients.push(client);
    return { server, client };
  }

  for (const algorithm of ['MD5', 'SHA-256', 'MD5-sess', 'SHA-256-sess'] as const) {
    it(`${algorithm}: the server accepts the answers, and N requests cost one challenge`, async function () {
      const { server, client } = await setUp(algorithm);
      for (let i = 0; i < 5; i++) {
        const response = await client.request({ method: 'GET', path: `/items/${i}`, query: { q: 'a b' } });
        assert.equal(response.statusCode, 200);
        assert.deepEqual(JSON.parse(response.body.toString()), { user: USER, nc: i + 1, body: '' });
      }
      assert.equal(server.challenges, 1, 'one challenge for five requests');
      assert.equal(server.requests, 6, 'five requests and the one that fetched the challenge');
      assert.deepEqual(
        server.accepted.map(({ uri }) => uri),
        [0, 1, 2, 3, 4].map((i) => `/api/items/${i}?q=a+b`),
      );
    });
  }

  it('hashes the method: POST, PUT and DELETE with a body are accepted', async function () {
    const { server, client } = await setUp('SHA-256');
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const response = await client.request({ method, path: '/x', body: { type: 'json', payload: { m: method } } });
      assert.equal(response.statusCode, 200);
    }
    assert.deepEqual(
      server.accepted.map(({ method, body }) => [method, body]),
      [
        ['POST', '{"m":"POST"}'],
        ['PUT', '{"m":"PUT"}'],
        ['DELETE', '{"m":"DELETE"}'],
      ],
    );
    assert.equal(server.challenges, 1);
  });

  it('stale=true: the request is answered once more with the new nonce, and later ones use it', async function () {
    const { server, client } = await setUp('MD5');
    await client.request({ method: 'GET', path: '/a' });
    await client.request({ method: 'GET', path: '/b' });
    server.expireNonces();
    for (const path of ['/c', '/d', '/e']) {
      assert.equal((await client.request({ method: 'GET', path })).statusCode, 200);
    }
    assert.equal(server.challenges, 2, 'the first challenge and the stale one');
    assert.equal(server.staleChallenges, 1);
    assert.equal(server.refused, 0);
    // /c was sent with the old nonce (refused as stale), then with the new one at nc 1.
    assert.deepEqual(
      server.accepted.map(({ uri, nc }) => [uri, nc]),
      [
        ['/api/a', 1],
        ['/api/b', 2],
        ['/api/c', 1],
        ['/api/d', 2],
        ['/api/e', 3],
      ],
    );
  });

  it('a request got retries after a 503 answers with the next nc, not the used one', async function () {
    const { server, client } = await setUp('SHA-256', PASSWORD, { retries: 1 });
    await client.request({ method: 'GET', path: '/a' });
    server.unavailableOnce.add('/api/flaky');
    const response = await client.request({ method: 'GET', path: '/flaky' });
    assert.equal(response.statusCode, 200);
    assert.equal(server.refused, 0, 'no nc was sent twice');
    assert.deepEqual(
      server.accepted.map(({ uri, nc }) => [uri, nc]),
      [
        ['/api/a', 1],
        ['/api/flaky', 3],
      ],
    );
  });

  it('twenty requests at once: one challenge, every nc used once, all accepted', async function () {
    const { server, client } = await setUp('SHA-256');
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.request({ method: 'GET', path: `/n/${i}` })),
    );
    assert.deepEqual(
      responses.map((response) => response.statusCode),
      Array(20).fill(200),
    );
    assert.equal(server.challenges, 1);
    assert.equal(server.refused, 0);
    assert.deepEqual(
      server.accepted.map(({ nc }) => nc).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('twenty at once meet a stale nonce: each is answered once more, all with the same new nonce', async function () {
    const { server, client } = await setUp('MD5-sess');
    await client.request({ method: 'GET', path: '/first' });
    server.expireNonces();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.request({ method: 'GET', path: `/n/${i}` })),
    );
    assert.ok(responses.every((response) => response.statusCode === 200));
    // All twenty went out with the old nonce at once, so each met stale=true once.
    assert.equal(server.staleChallenges, 20);
    assert.equal(server.refused, 0);
    const again = server.accepted.slice(1);
    assert.equal(again.length, 20);
    assert.equal(new Set(again.map(({ nonce }) => nonce)).size, 1, 'the first new nonce serves them all');
    assert.deepEqual(
      again.map(({ nc }) => nc).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('a wrong password: ERR_HTTP_STATUS 401 after one answer, and no trace of the password', async function () {
    const wrong = 'Wr0ng+Pass/word=~';
    const { server, client } = await setUp('MD5', wrong);
    const failure = await client.request({ method: 'GET', path: '/x' }).then(
      () => assert.fail('the request succeeded'),
      (err: unknown) => err,
    );
    assert.ok(failure instanceof RestError);
    assert.equal(failure.code, 'ERR_HTTP_STATUS');
    assert.equal(failure.statusCode, 401);
    assert.match(failure.message, /answered HTTP 401/);
    assert.equal(server.refused, 1, 'the wrong answer was sent once, not again and again');
    assert.equal(server.requests, 2);
    const seen = [failure.message, failure.stack, JSON.stringify(failure), failure.responseBody].join('\n');
    for (const form of [wrong, Buffer.from(wrong).toString('base64'), encodeURIComponent(wrong)]) {
      assert.ok(!seen.includes(form), `the error shows ${form}`);
    }
  });

  it('a username is needed: ERR_CONFIG', async function () {
    await assert.rejects(
      RestClient.create(
        { ...connectionDefaults, baseUrl: 'http://127.0.0.1:9/', authType: 'digest' },
        { password: 'x' },
      ),
      (err: RestError) => err.code === 'ERR_CONFIG' && /Digest authentication needs a username/.test(err.message),
    );
  });

  it('a server that needs no credentials: requests that waited for the first answer go on', async function () {
    const api = await startApi({ '/open': (_req, res) => json(res, 200, {}) });
    try {
      const client = await RestClient.create(
        { ...connectionDefaults, baseUrl: api.url, authType: 'digest', retries: 0 },
        { username: USER, password: PASSWORD },
      );
      clients.push(client);
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => client.request({ method: 'GET', path: '/open' })),
      );
      assert.ok(responses.every((response) => response.statusCode === 200));
      assert.ok(api.requests.every((request) => !request.headers.authorization));
    } finally {
      await api.close();
    }
  });
});
