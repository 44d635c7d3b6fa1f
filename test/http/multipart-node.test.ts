/**
 * bodyType multipart through Node-RED (dist/): a grid node POSTs msg.payload with a file part;
 * the loopback server reads it with a real parser. A payload that is not an object reaches a
 * catch node as ERR_VALUE, and the message is kept.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { flowWith, helper, load, nextMessage, useNodeRed } from '../support/node-red';

describe('http: multipart body through a Node-RED node', function () {
  let server: http.Server;
  let url = '';
  const seen: { name: string; value: string; filename?: string; type?: string; bytes?: Buffer }[][] = [];
  useNodeRed();

  before(async function () {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void (async () => {
          const response = new Response(Buffer.concat(chunks), {
            headers: { 'content-type': req.headers['content-type'] ?? '' },
          });
          const form = await response.formData();
          const entries: [string, FormDataEntryValue][] = [];
          form.forEach((value, name) => entries.push([name, value]));
          const parts = [];
          for (const [name, value] of entries) {
            if (typeof value === 'string') parts.push({ name, value });
            else
              parts.push({
                name,
                value: '',
                filename: value.name,
                type: value.type,
                bytes: Buffer.from(await value.arrayBuffer()),
              });
          }
          seen.push(parts);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ parts: parts.length }));
        })().catch((err: Error) => res.writeHead(400).end(err.message));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function loadFlow() {
    return load(
      flowWith({
        type: 'execute-rest-scalar',
        connection: { baseUrl: url, retries: 0 },
        node: { method: 'POST', path: '/upload', bodyType: 'multipart', valuePath: '$.parts' },
      }),
    );
  }

  it('sends fields and a file; the server parses them', async function () {
    await loadFlow();
    const file = crypto.randomBytes(5000);
    const out = nextMessage('out');
    helper.getNode('restNode').receive({
      payload: {
        description: 'scan',
        page: 3,
        scan: { value: file, filename: 'scan.pdf', contentType: 'application/pdf' },
      },
    });
    assert.equal(((await out) as { payload: unknown }).payload, 3);
    const parts = seen.at(-1) ?? [];
    assert.deepEqual(
      parts.map(({ name, value, filename, type }) => ({ name, value, filename, type })),
      [
        { name: 'description', value: 'scan', filename: undefined, type: undefined },
        { name: 'page', value: '3', filename: undefined, type: undefined },
        { name: 'scan', value: '', filename: 'scan.pdf', type: 'application/pdf' },
      ],
    );
    assert.ok(parts[2]?.bytes?.equals(file));
  });

  it('a payload that is not an object: ERR_VALUE on the catch node, message kept', async function () {
    await loadFlow();
    const before = seen.length;
    const caught = nextMessage('caught');
    helper.getNode('restNode').receive({ payload: 'just text', keep: 'me' });
    const msg = (await caught) as { error: { code: string; message: string }; keep: string };
    assert.equal(msg.error.code, 'ERR_VALUE');
    assert.match(msg.error.message, /multipart body needs msg\.payload to be an object/);
    assert.equal(msg.keep, 'me');
    assert.equal(seen.length, before, 'nothing was sent');
  });
});
