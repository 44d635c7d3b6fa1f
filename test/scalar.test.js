'use strict';
const assert = require('node:assert/strict');
const { useNodeRed, load, helper, nextMessage, flowWith } = require('./support/node-red');
const { startApi } = require('./support/api');

describe('execute-rest-scalar', function () {
  let api;
  useNodeRed();
  before(async () => {
    api = await startApi({
      'GET /stats': { count: 25, ratio: '0.5', enabled: 'yes', name: 'plant', nested: { a: [1, 2] }, nothing: null },
      'GET /version': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('4.1.8');
      },
      'GET /zip-code': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('01234');
      },
      'GET /big-id': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('12345678901234567890');
      },
      'GET /untyped': (req, res) => {
        res.end('42');
      },
      'GET /number-text': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('42');
      },
    });
  });
  after(() => api.close());

  async function value(node, path = '/stats') {
    await load(
      flowWith({
        type: 'execute-rest-scalar',
        connection: { baseUrl: api.url },
        node: { method: 'GET', path, ...node },
      }),
    );
    const out = nextMessage('out');
    const caught = nextMessage('caught').catch(() => undefined);
    helper.getNode('restNode').receive({ payload: 'in' });
    return Promise.race([out.then((msg) => ({ msg })), caught.then((msg) => ({ caught: msg }))]);
  }

  it('emits the first match of valuePath as it is (auto)', async () => {
    const { msg } = await value({ valuePath: '$.count' });
    assert.equal(msg.payload, 25);
    assert.equal(msg.statusCode, 200);
  });

  it('keeps objects whole with auto', async () => {
    const { msg } = await value({ valuePath: '$.nested' });
    assert.deepEqual(msg.payload, { a: [1, 2] });
  });

  it('converts to number', async () => {
    const { msg } = await value({ valuePath: '$.ratio', valueType: 'number' });
    assert.equal(msg.payload, 0.5);
  });

  it('converts numbers to string', async () => {
    assert.equal((await value({ valuePath: '$.count', valueType: 'string' })).msg.payload, '25');
  });

  it('converts objects to string as JSON text', async () => {
    assert.equal((await value({ valuePath: '$.nested', valueType: 'string' })).msg.payload, '{"a":[1,2]}');
  });

  it('converts to boolean', async () => {
    const { msg } = await value({ valuePath: '$.enabled', valueType: 'boolean' });
    assert.equal(msg.payload, true);
  });

  it('fails with ERR_VALUE when a value is not convertible, keeping the message', async () => {
    const { caught } = await value({ valuePath: '$.name', valueType: 'number' });
    assert.equal(caught.error.code, 'ERR_VALUE');
    assert.match(caught.error.message, /plant/);
    assert.equal(caught.payload, 'in');
    assert.equal(caught.statusCode, 200);
  });

  it('missing "error": ERR_VALUE naming the path', async () => {
    const { caught } = await value({ valuePath: '$.absent', missing: 'error' });
    assert.equal(caught.error.code, 'ERR_VALUE');
    assert.match(caught.error.message, /\$\.absent/);
  });

  it('missing "null": null', async () => {
    const { msg } = await value({ valuePath: '$.absent', missing: 'null' });
    assert.equal(msg.payload, null);
  });

  it('missing "default": defaultValue converted by valueType', async () => {
    const { msg } = await value({ valuePath: '$.absent', missing: 'default', defaultValue: '12', valueType: 'number' });
    assert.equal(msg.payload, 12);
  });

  it('a JSON null stays null', async () => {
    const { msg } = await value({ valuePath: '$.nothing', valueType: 'number' });
    assert.equal(msg.payload, null);
  });

  it('a text/plain response is the value itself', async () => {
    const { msg } = await value({ valuePath: '$' }, '/version');
    assert.equal(msg.payload, '4.1.8');
  });

  it('a numeric text response converts with valueType number', async () => {
    const { msg } = await value({ valuePath: '$', valueType: 'number' }, '/number-text');
    assert.equal(msg.payload, 42);
  });

  it('a path other than $ on a text response is ERR_NOT_JSON', async () => {
    const { caught } = await value({ valuePath: '$.version' }, '/version');
    assert.equal(caught.error.code, 'ERR_NOT_JSON');
    assert.equal(caught.statusCode, 200);
  });

  it('a text answer with a leading zero stays that text', async () => {
    const { msg } = await value({ valuePath: '$' }, '/zip-code');
    assert.equal(msg.payload, '01234');
  });

  it('a long numeric text keeps every digit as a string', async () => {
    const { msg } = await value({ valuePath: '$', valueType: 'string' }, '/big-id');
    assert.equal(msg.payload, '12345678901234567890');
  });

  it('a body without a content type that is JSON is read as JSON', async () => {
    const { msg } = await value({ valuePath: '$' }, '/untyped');
    assert.equal(msg.payload, 42);
  });

  it('writes to outputProperty', async () => {
    const { msg } = await value({ valuePath: '$.count', outputProperty: 'stats.count' });
    assert.equal(msg.stats.count, 25);
    assert.equal(msg.payload, 'in');
  });
});
