'use strict';
/**
 * Secrets stay out of what a user sees even when they travel encoded (query strings, basic
 * auth) or come back from the server (echoing bodies, Link headers), and redaction never
 * changes where a request goes.
 */
const assert = require('node:assert/strict');
const { SecretRedactor, REDACTED } = require('../dist/lib/redact');
const { useNodeRed, load, helper, nextMessage, flowWith } = require('./support/node-red');
const { startApi, json } = require('./support/api');

describe('SecretRedactor', function () {
  it('recognises a secret as is, URL-encoded, form-encoded, with lower-case escapes and in base64', () => {
    const redactor = new SecretRedactor();
    const secret = "Q8a b~c!'()*/+=";
    redactor.add(secret);
    for (const form of [
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ k: secret }).toString().slice(2),
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
      Buffer.from(secret).toString('base64'),
    ]) {
      assert.equal(redactor.redact(`before ${form} after`), `before ${REDACTED} after`, form);
    }
  });

  it('keeps only the last two generations of a rotating secret', () => {
    const redactor = new SecretRedactor();
    for (const token of ['token-gen-1', 'token-gen-2', 'token-gen-3']) redactor.rotate('access', token);
    assert.equal(redactor.redact('token-gen-3 token-gen-2'), `${REDACTED} ${REDACTED}`);
    assert.equal(redactor.redact('token-gen-1'), 'token-gen-1', 'the oldest generation is forgotten');
  });

  it('ignores values too short to be told from ordinary text', () => {
    const redactor = new SecretRedactor();
    redactor.add('abc', undefined, null, '');
    assert.equal(redactor.redact('abc'), 'abc');
  });
});

describe('redaction in flows', function () {
  let api;
  useNodeRed();
  before(async () => {
    api = await startApi({
      'GET /ok': (req, res, record) =>
        json(res, 200, [{ ok: true }], {
          link: `</items?apikey=${encodeURIComponent(record.query.apikey ?? '')}&page=2>; rel="next"`,
          'www-authenticate': `Bearer realm="x", token="${(record.headers.authorization || '').replace('Bearer ', '')}"`,
        }),
      'GET /missing': (req, res) => json(res, 404, { error: 'no' }),
      'GET /echo-headers': (req, res, record) => json(res, 400, { youSent: record.headers }),
      'GET /test1/items': (req, res, record) => {
        const page = Number(record.query.page || 1);
        json(res, 200, { items: [{ page }], next: page < 2 ? `items?page=${page + 1}` : null });
      },
    });
  });
  after(() => api.close());

  async function run({ connection, credentials, node, msg = { payload: 1 } }) {
    await load(
      flowWith({ connection: { baseUrl: api.url, retries: 0, ...connection }, node: { method: 'GET', ...node } }),
      {
        restConn: credentials,
      },
    );
    const out = nextMessage('out');
    const caught = nextMessage('caught');
    helper.getNode('restNode').receive(msg);
    return Promise.race([out.then((m) => ({ msg: m })), caught.then((m) => ({ caught: m }))]);
  }

  const apiKey = 'Q8abc~Secret!Value_123';

  it('an API key in the query never shows in msg.responseUrl or msg.headers, whatever its characters', async () => {
    const { msg } = await run({
      connection: { authType: 'apiKey', apiKeyIn: 'query', apiKeyName: 'apikey' },
      credentials: { apiKey },
      node: { path: '/ok' },
    });
    assert.equal(api.requests.at(-1).query.apikey, apiKey, 'the real key was sent');
    const shown = JSON.stringify(msg);
    assert.doesNotMatch(shown, /Secret|Q8abc/);
    assert.match(msg.responseUrl, /apikey=\*\*\*/);
    assert.match(msg.headers.link, /\*\*\*/);
  });

  it('a bearer token echoed in a response header is masked on the message', async () => {
    const { msg } = await run({
      connection: { authType: 'bearer' },
      credentials: { token: 'tok-echo-123' },
      node: { path: '/ok' },
    });
    assert.doesNotMatch(JSON.stringify(msg), /tok-echo-123/);
    assert.match(msg.headers['www-authenticate'], /\*\*\*/);
  });

  it('an API key never shows in an error message or the caught message', async () => {
    const { caught } = await run({
      connection: { authType: 'apiKey', apiKeyIn: 'query', apiKeyName: 'apikey' },
      credentials: { apiKey },
      node: { path: '/missing' },
    });
    assert.equal(caught.error.code, 'ERR_HTTP_STATUS');
    assert.doesNotMatch(JSON.stringify(caught), /Secret|Q8abc/);
  });

  it('basic credentials echoed back base64-encoded are masked in msg.responseBody', async () => {
    const { caught } = await run({
      connection: { authType: 'basic' },
      credentials: { username: 'alice', password: 'S3cret-pass' },
      node: { path: '/echo-headers' },
    });
    const encoded = Buffer.from('alice:S3cret-pass').toString('base64');
    assert.equal(api.requests.at(-1).headers.authorization, `Basic ${encoded}`);
    assert.doesNotMatch(JSON.stringify(caught), new RegExp(encoded));
    assert.match(caught.responseBody, /Basic \*\*\*/);
  });

  it('a password that also appears in the URL does not change where paging goes', async () => {
    const { msg } = await run({
      connection: { baseUrl: `${api.url}/test1`, authType: 'basic' },
      credentials: { username: 'u', password: 'test1' },
      node: { path: '/items', rowsPath: '$.items', paging: 'nextUrl', nextPath: '$.next' },
    });
    assert.deepEqual(msg.payload, [{ page: 1 }, { page: 2 }]);
    assert.equal(api.requests.at(-1).path, '/test1/items');
  });
});
