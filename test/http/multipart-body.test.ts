/**
 * bodyType multipart: msg.payload sent as multipart/form-data and read back on the server with
 * a real parser (the fetch standard's Request.formData()): field values, file bytes (binary,
 * not base64), file names and content types; a retried PUT sends its parts again whole; a
 * payload that is not an object of usable values is ERR_VALUE and nothing is sent.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectionDefaults } from '../../lib/definitions';
import { RestError } from '../../lib/errors';
import { RestClient } from '../../lib/http/rest-client';

interface ReceivedPart {
  name: string;
  value?: string;
  filename?: string;
  type?: string;
  bytes?: Buffer;
}

interface Received {
  method: string;
  contentType: string;
  rawBody: Buffer;
  parts: ReceivedPart[];
}

/** A loopback API that parses every body with Request.formData(); `failFirst` answers 503 that many times. */
async function startFormApi() {
  const received: Received[] = [];
  let failFirst = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const rawBody = Buffer.concat(chunks);
        if (failFirst > 0) {
          failFirst -= 1;
          res.writeHead(503).end();
          return;
        }
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers))
          if (typeof value === 'string') headers.set(name, value);
        const form = await new Request('http://api/', { method: 'POST', headers, body: rawBody }).formData();
        const entries: [string, FormDataEntryValue][] = [];
        form.forEach((value, name) => entries.push([name, value]));
        const parts: ReceivedPart[] = [];
        for (const [name, value] of entries) {
          if (typeof value === 'string') parts.push({ name, value });
          else
            parts.push({ name, filename: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
        }
        received.push({ method: req.method ?? '', contentType: req.headers['content-type'] ?? '', rawBody, parts });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      })().catch((err: Error) => res.writeHead(400).end(err.message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    failNext(count: number) {
      failFirst = count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('http: multipart bodies (bodyType multipart)', function () {
  let api: Awaited<ReturnType<typeof startFormApi>>;
  let client: RestClient;
  const image = crypto.randomBytes(70_000);

  before(async function () {
    api = await startFormApi();
    client = await RestClient.create({ ...connectionDefaults, baseUrl: api.url, retries: 2 }, {});
  });
  after(async function () {
    await client.close();
    await api.close();
  });
  beforeEach(() => api.received.splice(0));

  it('fields, a Buffer and {value, filename, contentType} parts arrive as the parser reads them', async function () {
    const response = await client.request({
      method: 'POST',
      path: '/upload',
      body: {
        type: 'multipart',
        payload: {
          title: 'Report ü',
          count: 42,
          raw: Buffer.from([0, 1, 2, 255]),
          photo: { value: image, filename: 'photo.png', contentType: 'image/png' },
          notes: { value: 'line 1\nline 2', filename: 'notes.txt', contentType: 'text/plain' },
          tags: ['a', 'b'],
          skipped: null,
        },
      },
    });
    assert.equal(response.statusCode, 200);
    const [request] = api.received;
    assert.ok(request);
    assert.match(request.contentType, /^multipart\/form-data; boundary=/);
    assert.deepEqual(
      request.parts.map(({ name, value, filename, type }) => ({ name, value, filename, type })),
      [
        { name: 'title', value: 'Report ü', filename: undefined, type: undefined },
        { name: 'count', value: '42', filename: undefined, type: undefined },
        { name: 'raw', value: undefined, filename: 'raw', type: 'application/octet-stream' },
        { name: 'photo', value: undefined, filename: 'photo.png', type: 'image/png' },
        { name: 'notes', value: undefined, filename: 'notes.txt', type: 'text/plain' },
        { name: 'tags', value: 'a', filename: undefined, type: undefined },
        { name: 'tags', value: 'b', filename: undefined, type: undefined },
      ],
    );
    assert.deepEqual(request.parts[2]?.bytes, Buffer.from([0, 1, 2, 255]));
    assert.ok(request.parts[3]?.bytes?.equals(image), 'the file bytes arrive unchanged');
    assert.equal(request.parts[4]?.bytes?.toString(), 'line 1\nline 2');
    // Binary, not base64: the body is about the size of the file, and holds its bytes.
    assert.ok(request.rawBody.includes(image), 'the raw body carries the file bytes as they are');
    assert.ok(request.rawBody.length < image.length + 2000, `body of ${request.rawBody.length} bytes`);
  });

  it('a content-type from msg.headers does not replace the boundary', async function () {
    const response = await client.request({
      method: 'POST',
      path: '/upload',
      headers: { 'Content-Type': 'multipart/form-data' },
      body: { type: 'multipart', payload: { a: '1' } },
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(api.received[0]?.parts, [{ name: 'a', value: '1' }]);
  });

  it('a PUT retried after a 503 sends every part again, whole', async function () {
    api.failNext(1);
    const response = await client.request({
      method: 'PUT',
      path: '/upload',
      body: { type: 'multipart', payload: { file: { value: image, filename: 'f.bin' }, n: 1 } },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(api.received.length, 1);
    assert.ok(api.received[0]?.parts[0]?.bytes?.equals(image));
    assert.deepEqual(api.received[0]?.parts[1], { name: 'n', value: '1' });
  });

  const bad: [string, unknown, RegExp][] = [
    ['a string', 'a=1', /needs msg\.payload to be an object of fields/],
    ['an array', [1, 2], /needs msg\.payload to be an object of fields/],
    ['a Buffer', Buffer.from('x'), /needs msg\.payload to be an object of fields/],
    ['a field that is an object', { meta: { a: 1 } }, /msg\.payload\.meta cannot be sent .*object without value/],
    [
      'a part whose value is a number',
      { f: { value: 5, filename: 'x' } },
      /msg\.payload\.f .*value is not a Buffer or string/,
    ],
    ['a part whose filename is not a string', { f: { value: 'x', filename: 7 } }, /filename is not a string/],
    ['a function', { f: () => 1 }, /a function is not a field or a file/],
  ];
  for (const [label, payload, message] of bad) {
    it(`${label}: ERR_VALUE, and nothing is sent`, async function () {
      await assert.rejects(
        client.request({ method: 'POST', path: '/upload', body: { type: 'multipart', payload } }),
        (err: RestError) => err.code === 'ERR_VALUE' && message.test(err.message),
      );
      assert.equal(api.received.length, 0);
    });
  }

  it('a secret in a bad part is not quoted', async function () {
    const secret = 'do-not-show-me-123';
    await assert.rejects(
      client.request({
        method: 'POST',
        path: '/x',
        body: { type: 'multipart', payload: { f: { value: 1, filename: secret } } },
      }),
      (err: RestError) => err.code === 'ERR_VALUE' && !err.message.includes(secret),
    );
  });
});
