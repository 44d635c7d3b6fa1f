import assert from 'node:assert/strict';
import { failureOf, flowWith, load, outputOf, useNodeRed, type Caught, type Msg } from '../support/node-red';
import { startApi, type LoopbackServer } from '../support/loopback-server';

describe('execute-rest-scalar', function () {
  let api: LoopbackServer;
  useNodeRed();
  before(async () => {
    api = await startApi({
      'GET /stats': { count: 25, ratio: '0.5', enabled: 'yes', name: 'plant', nested: { a: [1, 2] }, nothing: null },
      'GET /version': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('4.1.8');
      },
      'GET /zip-code': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('01234');
      },
      'GET /big-id': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('12345678901234567890');
      },
      'GET /untyped': (_req, res) => {
        res.end('42');
      },
      'GET /number-text': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('42');
      },
    });
  });
  after(() => api.close());

  async function loadScalar(node: object, path: string) {
    await load(
      flowWith({
        type: 'execute-rest-scalar',
        connection: { baseUrl: api.url },
        node: { method: 'GET', path, ...node },
      }),
    );
  }

  /** The message the scalar node sends for `node`'s settings. */
  async function emitted(node: object, path = '/stats'): Promise<Msg> {
    await loadScalar(node, path);
    return outputOf({ payload: 'in' });
  }

  /** The error the catch node reports for `node`'s settings. */
  async function failed(node: object, path = '/stats'): Promise<Caught> {
    await loadScalar(node, path);
    return failureOf({ payload: 'in' });
  }

  it('emits the first match of valuePath as it is (auto)', async () => {
    const msg = await emitted({ valuePath: '$.count' });
    assert.equal(msg.payload, 25);
    assert.equal(msg.statusCode, 200);
  });

  it('keeps objects whole with auto', async () => {
    const msg = await emitted({ valuePath: '$.nested' });
    assert.deepEqual(msg.payload, { a: [1, 2] });
  });

  it('converts to number', async () => {
    const msg = await emitted({ valuePath: '$.ratio', valueType: 'number' });
    assert.equal(msg.payload, 0.5);
  });

  it('converts numbers to string', async () => {
    assert.equal((await emitted({ valuePath: '$.count', valueType: 'string' })).payload, '25');
  });

  it('converts objects to string as JSON text', async () => {
    assert.equal((await emitted({ valuePath: '$.nested', valueType: 'string' })).payload, '{"a":[1,2]}');
  });

  it('converts to boolean', async () => {
    const msg = await emitted({ valuePath: '$.enabled', valueType: 'boolean' });
    assert.equal(msg.payload, true);
  });

  it('fails with ERR_VALUE when a value is not convertible, keeping the message', async () => {
    const caught = await failed({ valuePath: '$.name', valueType: 'number' });
    assert.equal(caught.error.code, 'ERR_VALUE');
    assert.match(caught.error.message, /plant/);
    assert.equal(caught.payload, 'in');
    assert.equal(caught.statusCode, 200);
  });

  it('missing "error": ERR_VALUE naming the path', async () => {
    const caught = await failed({ valuePath: '$.absent', missing: 'error' });
    assert.equal(caught.error.code, 'ERR_VALUE');
    assert.match(caught.error.message, /\$\.absent/);
  });

  it('missing "null": null', async () => {
    const msg = await emitted({ valuePath: '$.absent', missing: 'null' });
    assert.equal(msg.payload, null);
  });

  it('missing "default": defaultValue converted by valueType', async () => {
    const msg = await emitted({ valuePath: '$.absent', missing: 'default', defaultValue: '12', valueType: 'number' });
    assert.equal(msg.payload, 12);
  });

  it('a JSON null stays null', async () => {
    const msg = await emitted({ valuePath: '$.nothing', valueType: 'number' });
    assert.equal(msg.payload, null);
  });

  it('a text/plain response is the value itself', async () => {
    const msg = await emitted({ valuePath: '$' }, '/version');
    assert.equal(msg.payload, '4.1.8');
  });

  it('a numeric text response converts with valueType number', async () => {
    const msg = await emitted({ valuePath: '$', valueType: 'number' }, '/number-text');
    assert.equal(msg.payload, 42);
  });

  it('a path other than $ on a text response is ERR_NOT_JSON', async () => {
    const caught = await failed({ valuePath: '$.version' }, '/version');
    assert.equal(caught.error.code, 'ERR_NOT_JSON');
    assert.equal(caught.statusCode, 200);
  });

  it('a text answer with a leading zero stays that text', async () => {
    const msg = await emitted({ valuePath: '$' }, '/zip-code');
    assert.equal(msg.payload, '01234');
  });

  it('a long numeric text keeps every digit as a string', async () => {
    const msg = await emitted({ valuePath: '$', valueType: 'string' }, '/big-id');
    assert.equal(msg.payload, '12345678901234567890');
  });

  it('a body without a content type that is JSON is read as JSON', async () => {
    const msg = await emitted({ valuePath: '$' }, '/untyped');
    assert.equal(msg.payload, 42);
  });

  it('writes to outputProperty', async () => {
    const msg = await emitted({ valuePath: '$.count', outputProperty: 'stats.count' });
    assert.equal((msg.stats as { count: number }).count, 25);
    assert.equal(msg.payload, 'in');
  });
});
