/**
 * A path (the node's or msg.path) may not climb above baseUrl's path with `..` segments, in any
 * spelling the URL parser resolves (`..`, `%2e%2e`, `%2E.`, backslashes): ERR_VALUE, as a `..`
 * placeholder value already is, and nothing is sent. Moving within the base path still works.
 */
import assert from 'node:assert/strict';
import { connectionDefaults } from '../../lib/definitions';
import { RestClient } from '../../lib/http/rest-client';
import { startApi } from '../support/loopback-server';
import { flowWith, helper, load, nextMessage, useNodeRed } from '../support/node-red';

type Api = Awaited<ReturnType<typeof startApi>>;

/** The raw request line path of the last request the API saw. */
const lastPath = (api: Api): string | undefined => api.requests.at(-1)?.url;

const CLIMBING = [
  '/../../admin',
  '../admin',
  '/%2e%2e/%2e%2e/admin',
  '/%2E./admin',
  '/.%2e/x',
  '\\..\\..\\admin',
  '/a/../../../admin?x=1',
];

describe('http: a path that climbs above the base URL path', function () {
  let api: Api;
  let client: RestClient;

  before(async () => {
    api = await startApi({});
    client = await RestClient.create({ ...connectionDefaults, baseUrl: `${api.url}/api/v1`, retries: 0 }, {});
  });
  after(async () => {
    await client.close();
    await api.close();
  });

  for (const path of CLIMBING) {
    it(`${JSON.stringify(path)}: ERR_VALUE naming the base path, nothing sent`, async function () {
      const before = api.requests.length;
      await assert.rejects(client.request({ method: 'GET', path }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_VALUE');
        assert.match(err.message, /climbs above the base URL's path \/api\/v1 /);
        return true;
      });
      assert.equal(api.requests.length, before);
    });
  }

  it('.. that stays within the base path is resolved and sent', async function () {
    await assert.rejects(client.request({ method: 'GET', path: '/users/../items' }), { code: 'ERR_HTTP_STATUS' });
    assert.equal(lastPath(api), '/api/v1/items');
  });

  it('a base URL at the root: .. cannot go above / and stays there', async function () {
    const atRoot = await RestClient.create({ ...connectionDefaults, baseUrl: api.url, retries: 0 }, {});
    try {
      await assert.rejects(atRoot.request({ method: 'GET', path: '/../x' }), { code: 'ERR_HTTP_STATUS' });
      assert.equal(lastPath(api), '/x');
    } finally {
      await atRoot.close();
    }
  });

  describe('through a grid node with msg.path', function () {
    useNodeRed();

    it('msg.path "/../../admin": caught ERR_VALUE, nothing sent', async function () {
      await load(flowWith({ connection: { baseUrl: `${api.url}/api/v1` }, node: { path: '/users' } }));
      const before = api.requests.length;
      const caught = nextMessage('caught');
      helper.getNode('restNode').receive({ payload: 1, path: '/../../admin' });
      const { error } = (await caught) as { error: { code: string; message: string } };
      assert.equal(error.code, 'ERR_VALUE');
      assert.match(error.message, /^Path "\/\.\.\/\.\.\/admin" climbs above the base URL's path \/api\/v1/);
      assert.equal(api.requests.length, before);
    });
  });
});
