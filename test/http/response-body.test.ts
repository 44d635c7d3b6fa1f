/**
 * How the client reads a response body (lib/http/fetch-response.ts): into one buffer, decompressed, with
 * or without content-length, and with maxResponseBytes enforced while reading, so an oversized
 * answer is cut off early, not downloaded. Against a real loopback HTTP server.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import zlib from 'node:zlib';
import { RestClient } from '../../lib/http/rest-client';
import { connectionDefaults } from '../../lib/definitions';
import { RestError } from '../../lib/errors';
import type { ConnectionProperties } from '../../lib/types';
import { startApi, type Handler, type LoopbackServer } from '../support/loopback-server';

const LIMIT = 64 * 1024;

/** A JSON document of about `bytes` bytes. */
function jsonOfSize(bytes: number): Buffer {
  const rows: object[] = [];
  let size = 2;
  for (let id = 0; size < bytes; id++) {
    const row = { id, name: `user-${id}`, note: 'lorem ipsum dolor sit amet' };
    rows.push(row);
    size += JSON.stringify(row).length + 1;
  }
  return Buffer.from(JSON.stringify(rows));
}

/** Bytes of exactly `length`: a JSON string. */
function exactly(length: number): Buffer {
  return Buffer.from(`"${'x'.repeat(length - 2)}"`);
}

/** The parsed JSON of `document`. */
function parsed(document: Buffer): unknown {
  return JSON.parse(document.toString()) as unknown;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the server saw of a slow answer. */
interface Written {
  written: number;
  /** Bytes written when the client hung up; undefined while it has not. */
  closedAt: number | undefined;
  finished: boolean;
}

describe('client: reading the response body', function () {
  let api: LoopbackServer;
  /** The routes of the running API: each test adds its own. */
  let routes: Record<string, Handler>;
  /** What the server saw of each slow answer: bytes written before the connection closed. */
  const seen: Record<string, Written> = {};
  const clients: RestClient[] = [];

  before(async () => {
    api = await startApi({});
    routes = api.routes as Record<string, Handler>;
  });
  after(async () => {
    for (const client of clients) await client.close();
    await api.close();
  });

  async function client(overrides: Partial<ConnectionProperties> = {}): Promise<RestClient> {
    const created = await RestClient.create(
      { ...connectionDefaults, baseUrl: api.url, timeout: 5000, retries: 0, maxResponseBytes: LIMIT, ...overrides },
      {},
    );
    clients.push(created);
    return created;
  }

  /** The RestError `promise` rejects with; fails when it resolves. */
  async function rejection(promise: Promise<unknown>): Promise<RestError> {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof RestError, `a RestError, not ${String(err)}`);
      return err;
    }
    assert.fail('expected the request to fail');
  }

  /** Writes `total` bytes in `chunk`-byte pieces every `everyMs`; records in `seen[name]` when the client hung up. */
  function slowWriter(
    name: string,
    { total, chunk, everyMs, contentLength }: { total: number; chunk: number; everyMs: number; contentLength?: number },
  ): Handler {
    return async (_req, res) => {
      const record: Written = (seen[name] = { written: 0, closedAt: undefined, finished: false });
      res.on('close', () => {
        if (!res.writableFinished) record.closedAt = record.written;
      });
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
      if (contentLength) headers['content-length'] = contentLength;
      res.writeHead(200, headers);
      while (record.written < total && record.closedAt === undefined && !res.destroyed) {
        res.write(Buffer.alloc(Math.min(chunk, total - record.written), 0x20));
        record.written += chunk;
        await sleep(everyMs);
      }
      if (record.closedAt === undefined && !res.destroyed) {
        record.finished = true;
        res.end();
      }
    };
  }

  /** Waits until the server saw the connection close (or gives up after `ms`). */
  async function closedBy(name: string, ms = 3000): Promise<Written> {
    const started = Date.now();
    while (Date.now() - started < ms) {
      if (seen[name]?.closedAt !== undefined) return seen[name];
      await sleep(10);
    }
    const record = seen[name];
    assert.ok(record, `the server answered ${name}`);
    return record;
  }

  it('decompresses a gzip-encoded JSON response', async () => {
    const document = jsonOfSize(200 * 1024);
    const gzipped = zlib.gzipSync(document);
    routes['GET /gzip'] = (_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': gzipped.length,
      });
      res.end(gzipped);
    };
    // The limit counts the decompressed bytes: this one fits.
    const response = await (await client({ maxResponseBytes: 1024 * 1024 })).request({ method: 'GET', path: '/gzip' });
    assert.equal(response.statusCode, 200);
    assert.ok(response.body.equals(document), 'body is the decompressed bytes');
    assert.deepEqual(response.json(), parsed(document));
  });

  it('decompresses a brotli-encoded JSON response', async () => {
    const document = jsonOfSize(50 * 1024);
    const compressed = zlib.brotliCompressSync(document);
    routes['GET /br'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' });
      res.end(compressed);
    };
    const response = await (await client()).request({ method: 'GET', path: '/br' });
    assert.deepEqual(response.json(), parsed(document));
  });

  it('a compressed body larger than maxResponseBytes once decompressed is ERR_RESPONSE_TOO_LARGE', async () => {
    const zeros = zlib.gzipSync(Buffer.alloc(10 * LIMIT, 0x20));
    routes['GET /gzip-bomb'] = (_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': zeros.length });
      res.end(zeros);
    };
    assert.ok(zeros.length < LIMIT, 'small on the wire');
    const err = await rejection((await client()).request({ method: 'GET', path: '/gzip-bomb' }));
    assert.equal(err.code, 'ERR_RESPONSE_TOO_LARGE');
  });

  it('reads a chunked response without content-length, growing its buffer', async () => {
    const document = jsonOfSize(300 * 1024);
    routes['GET /chunked'] = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let at = 0; at < document.length; at += 7000) {
        res.write(document.subarray(at, at + 7000));
        if (at % 70000 === 0) await sleep(1);
      }
      res.end();
    };
    const response = await (await client({ maxResponseBytes: 0 })).request({ method: 'GET', path: '/chunked' });
    assert.equal(response.headers['content-length'], undefined);
    assert.equal(response.body.length, document.length);
    assert.ok(response.body.equals(document));
    assert.equal((response.json() as unknown[]).length, (parsed(document) as unknown[]).length);
  });

  it('accepts a response of exactly maxResponseBytes, with and without content-length', async () => {
    const body = exactly(LIMIT);
    routes['GET /exact-length'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    };
    routes['GET /exact-chunked'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(body.subarray(0, 1000));
      res.end(body.subarray(1000));
    };
    const rest = await client();
    for (const path of ['/exact-length', '/exact-chunked']) {
      const response = await rest.request({ method: 'GET', path });
      assert.equal(response.body.length, LIMIT, path);
      assert.equal((response.json() as string).length, LIMIT - 2, path);
    }
  });

  it('one byte over maxResponseBytes is ERR_RESPONSE_TOO_LARGE, with and without content-length', async () => {
    const body = exactly(LIMIT + 1);
    routes['GET /over-length'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    };
    routes['GET /over-chunked'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(body.subarray(0, 1000));
      res.end(body.subarray(1000));
    };
    const rest = await client();
    for (const path of ['/over-length', '/over-chunked']) {
      const err = await rejection(rest.request({ method: 'GET', path }));
      assert.equal(err.code, 'ERR_RESPONSE_TOO_LARGE', path);
      assert.match(err.message, /maxResponseBytes \(65536 bytes\)/);
      assert.match(err.message, new RegExp(`${path}`));
    }
  });

  it('refuses a content-length above the limit without reading the body', async () => {
    // Announces 10 MB, sends 16 KB, then would wait 3 s before each next piece.
    routes['GET /announced-big'] = slowWriter('announced', {
      total: 10 * 1024 * 1024,
      chunk: 16 * 1024,
      everyMs: 3000,
      contentLength: 10 * 1024 * 1024,
    });
    const err = await rejection((await client()).request({ method: 'GET', path: '/announced-big' }));
    assert.equal(err.code, 'ERR_RESPONSE_TOO_LARGE');
    // Did not wait for the body: the connection closed before the server wrote its second piece.
    const record = await closedBy('announced');
    assert.equal(record.closedAt, 16 * 1024, 'the server saw the connection close after its first piece');
  });

  it('stops reading a slow oversized response as soon as it passes the limit', async () => {
    // 4 MB without content-length, 8 KB every 5 ms: reading it all would take 2.5 s.
    routes['GET /slow-big'] = slowWriter('slow', { total: 4 * 1024 * 1024, chunk: 8 * 1024, everyMs: 5 });
    const err = await rejection((await client()).request({ method: 'GET', path: '/slow-big' }));
    assert.equal(err.code, 'ERR_RESPONSE_TOO_LARGE');
    const record = await closedBy('slow');
    assert.ok(record.closedAt !== undefined, 'the server saw the connection close');
    assert.equal(record.finished, false);
    // Socket buffers let the server write a little ahead of what the client read.
    assert.ok(
      record.closedAt !== undefined && record.closedAt < 8 * LIMIT,
      `closed after ${record.closedAt} bytes, well before 4 MB`,
    );
  });

  it('an error status with a body over the limit is ERR_RESPONSE_TOO_LARGE, not read to the end', async () => {
    routes['GET /huge-error'] = async (_req, res) => {
      const record: Written = (seen.error = { written: 0, closedAt: undefined, finished: false });
      res.on('close', () => {
        if (!res.writableFinished) record.closedAt = record.written;
      });
      res.writeHead(500, { 'content-type': 'text/plain' });
      while (record.written < 4 * 1024 * 1024 && record.closedAt === undefined && !res.destroyed) {
        res.write(Buffer.alloc(8 * 1024, 0x61));
        record.written += 8 * 1024;
        await sleep(5);
      }
      if (record.closedAt === undefined && !res.destroyed) res.end();
    };
    const err = await rejection((await client()).request({ method: 'GET', path: '/huge-error' }));
    assert.equal(err.code, 'ERR_RESPONSE_TOO_LARGE');
    const record = await closedBy('error');
    assert.ok(record.closedAt !== undefined && record.closedAt < 8 * LIMIT, 'stopped early');
  });

  it('a small error status is ERR_HTTP_STATUS with its body excerpt', async () => {
    routes['GET /teapot'] = (_req, res) => {
      res.writeHead(418, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync('short and stout'));
    };
    const err = await rejection((await client()).request({ method: 'GET', path: '/teapot' }));
    assert.equal(err.code, 'ERR_HTTP_STATUS');
    assert.equal(err.statusCode, 418);
    assert.equal(err.responseBody, 'short and stout');
  });

  it('retries a connection cut in the middle of a body and returns the whole second answer', async () => {
    const document = jsonOfSize(100 * 1024);
    let attempts = 0;
    routes['GET /cut-once'] = (_req, res) => {
      attempts++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': document.length });
      if (attempts === 1) {
        res.write(document.subarray(0, 30 * 1024));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.end(document);
    };
    const response = await (
      await client({ retries: 2, maxResponseBytes: 0 })
    ).request({
      method: 'GET',
      path: '/cut-once',
    });
    assert.equal(attempts, 2);
    assert.ok(response.body.equals(document), 'only the second answer, whole');
  });

  it('sends POST and DELETE without a body and gets their answers', async () => {
    const received: string[] = [];
    const answer: Handler = (_req, res, request) => {
      received.push(`${request.method} ${request.body.length}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
    routes['POST /empty'] = answer;
    routes['DELETE /empty'] = answer;
    const rest = await client();
    for (const method of ['POST', 'DELETE'] as const) {
      const response = await rest.request({ method, path: '/empty', body: { type: 'none', payload: undefined } });
      assert.deepEqual(response.json(), { ok: true });
    }
    assert.deepEqual(received, ['POST 0', 'DELETE 0']);
  });

  it('parses the body once: json() and value() give the same parsed value', async () => {
    routes['GET /once'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"rows":[1,2,3]}');
    };
    const response = await (await client()).request({ method: 'GET', path: '/once' });
    const first = response.json();
    assert.deepEqual(first, { rows: [1, 2, 3] });
    assert.equal(response.json(), first, 'the same object, not a second parse');
    assert.equal(response.value(), first);
    assert.equal(response.body.toString(), '{"rows":[1,2,3]}', 'the body is still there');
  });

  it('parses large ASCII and non-ASCII UTF-8 bodies to the same values', async () => {
    const ascii = { rows: Array.from({ length: 40000 }, (_, id) => ({ id, name: `user-${id}`, note: 'plain text' })) };
    const unicode = { rows: ascii.rows.map((row) => ({ ...row, note: 'café 😀 Ωmega' })) };
    routes['GET /ascii'] = (_req, res) => res.writeHead(200).end(JSON.stringify(ascii));
    routes['GET /unicode'] = (_req, res) => res.writeHead(200).end(JSON.stringify(unicode));
    const rest = await client({ maxResponseBytes: 0 });
    const asciiResponse = await rest.request({ method: 'GET', path: '/ascii' });
    assert.ok(asciiResponse.body.length > 1024 * 1024, 'large enough for Node.js to keep the text outside the heap');
    assert.deepEqual(asciiResponse.json(), ascii);
    assert.deepEqual((await rest.request({ method: 'GET', path: '/unicode' })).json(), unicode);
  });

  it('a body that is not JSON is ERR_NOT_JSON on every call, and value() still gives the text', async () => {
    routes['GET /text'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
    };
    const response = await (await client()).request({ method: 'GET', path: '/text' });
    for (let i = 0; i < 2; i++) {
      assert.throws(
        () => response.json(),
        (err: unknown) => err instanceof RestError && err.code === 'ERR_NOT_JSON' && /text\/plain/.test(err.message),
      );
    }
    assert.equal(response.value(), 'plain words');
  });
});
