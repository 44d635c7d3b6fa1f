/**
 * JSON that starts with a UTF-8 byte order mark (some Windows servers send one) parses: RFC 8259
 * §8.1 lets a parser ignore it. Through RestClient and the nodes, with and without a JSON
 * content type.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { connectionDefaults } from '../../lib/definitions';
import { RestClient } from '../../lib/http/rest-client';
import { startApi } from '../support/loopback-server';
import { flowWith, helper, load, nextMessage, useNodeRed } from '../support/node-red';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const DOC = { items: [{ id: 1, name: 'Zoë' }], total: 1 };

function withBom(contentType: string | undefined) {
  return (_req: unknown, res: ServerResponse) => {
    res.writeHead(200, contentType ? { 'content-type': contentType } : {});
    res.end(Buffer.concat([BOM, Buffer.from(JSON.stringify(DOC))]));
  };
}

describe('http: JSON with a UTF-8 byte order mark', function () {
  let api: Awaited<ReturnType<typeof startApi>>;
  let client: RestClient;

  before(async () => {
    api = await startApi({
      'GET /json': withBom('application/json; charset=utf-8'),
      'GET /untyped': withBom(undefined),
      'GET /text': withBom('text/plain'),
    });
    client = await RestClient.create({ ...connectionDefaults, baseUrl: api.url, retries: 0 }, {});
  });
  after(async () => {
    await client.close();
    await api.close();
  });

  for (const path of ['/json', '/untyped', '/text']) {
    it(`${path}: json() and value() give the document`, async function () {
      const response = await client.request({ method: 'GET', path });
      assert.deepEqual(response.value(), DOC);
      assert.deepEqual(response.json(), DOC);
    });
  }

  describe('through the nodes', function () {
    useNodeRed();

    it('grid: the rows of a JSON response with a BOM', async function () {
      await load(flowWith({ connection: { baseUrl: api.url }, node: { path: '/json', rowsPath: '$.items' } }));
      const out = nextMessage('out');
      helper.getNode('restNode').receive({ payload: 1 });
      assert.deepEqual(((await out) as { payload: unknown }).payload, DOC.items);
    });

    it('scalar: a value of a JSON response with a BOM', async function () {
      await load(
        flowWith({
          type: 'execute-rest-scalar',
          connection: { baseUrl: api.url },
          node: { path: '/json', valuePath: '$.total', valueType: 'number' },
        }),
      );
      const out = nextMessage('out');
      helper.getNode('restNode').receive({ payload: 1 });
      assert.equal(((await out) as { payload: unknown }).payload, 1);
    });
  });
});
