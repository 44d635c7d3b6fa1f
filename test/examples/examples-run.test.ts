/**
 * The example flows running in Node-RED as a user imports them: each does what its comment says
 * against the demo API started on a free port (never the default 8765), reached only through
 * REST_DEMO_URL; with REST_DEMO_URL unset the connections use the default address instead.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  DEFAULT_PORT,
  DEMO_API_KEY,
  DEMO_TOKEN,
  DEMO_USER,
  startDemoApi,
  USERS,
  type RunningDemoApi,
} from '../support/demo-api';
import { helper, load, messages, nextMessage, silence, useNodeRed, type Msg } from '../support/node-red';
import { DEFAULT_DEMO_URL, DEMO_URL_REFERENCE, readExample, type FlowNode } from './example-flows';

const requireCore = createRequire(__filename);
/** The core nodes of the examples that test/support/node-red.ts does not load already. */
const CORE_NODES: unknown[] = [
  requireCore('@node-red/nodes/core/common/20-inject.js'),
  requireCore('@node-red/nodes/core/common/90-comment.js'),
];
const TAB = 'examples-test-tab';

const USER_ROWS = USERS.map((user) => ({ name: user.name, email: user.email, city: user.address.city }));

interface LoadOptions {
  /** Settings changed in the example's connection, as a user would in its dialog. */
  connection?: object;
  /** The credentials of the example's connection, as typed in its dialog. */
  credentials?: object;
  /** Further nodes put on the tab. */
  extra?: object[];
}

/**
 * Loads an example on one tab as it is stored (its connection keeps `${REST_DEMO_URL:-…}`), with each
 * debug node replaced by a helper node of the same id, whose input the test watches.
 */
async function loadExample(file: string, { connection = {}, credentials, extra = [] }: LoadOptions = {}) {
  const nodes = readExample(file);
  const connectionNode = nodes.find((node) => node.type === 'rest-connection');
  assert.ok(connectionNode, `${file} has a connection`);
  assert.equal(connectionNode.baseUrl, DEMO_URL_REFERENCE);
  const flow = nodes.map((node): FlowNode => {
    if (node.type === 'debug') return { id: node.id, type: 'helper', z: TAB, wires: [] };
    if (node === connectionNode) return { ...node, ...connection, z: TAB };
    return { ...node, z: TAB };
  });
  await load(
    [{ id: TAB, type: 'tab', label: file }, ...flow, ...extra],
    credentials ? { [connectionNode.id]: credentials } : {},
    CORE_NODES,
  );
}

/** Presses inject node `injectId` and resolves with the next message of helper `receiverId`. */
async function inject(injectId: string, receiverId: string): Promise<Msg> {
  const received = nextMessage(receiverId);
  helper.getNode(injectId).receive({});
  return received;
}

describe('example flows running in Node-RED against the demo API', function () {
  useNodeRed();

  describe('on a free port, its address in REST_DEMO_URL', function () {
    let api: RunningDemoApi;
    let before_: string | undefined;
    /** Requests the demo API answered since the test began. */
    let requests: string[];

    before(async function () {
      api = await startDemoApi({ port: 0 });
      assert.notEqual(api.port, DEFAULT_PORT, 'the test API must not sit on the default port');
      api.server.on('request', (req: { url?: string }) => requests.push(req.url ?? ''));
      before_ = process.env.REST_DEMO_URL;
      process.env.REST_DEMO_URL = api.baseUrl;
    });
    beforeEach(function () {
      requests = [];
    });
    after(async function () {
      if (before_ === undefined) delete process.env.REST_DEMO_URL;
      else process.env.REST_DEMO_URL = before_;
      await api?.close();
    });

    it('01 - Grid of users: 25 rows of name, email, city; one row for user 3', async function () {
      await loadExample('01 - Grid of users.json');
      const all = await inject('ex01-inject-all', 'ex01-debug-all');
      assert.deepEqual(all.payload, USER_ROWS);
      assert.equal(all.rowCount, 25);
      assert.equal(all.statusCode, 200);
      assert.equal(all.responseUrl, `${api.baseUrl}/users`);
      const one = await inject('ex01-inject-one', 'ex01-debug-one');
      assert.deepEqual(one.payload, [USER_ROWS[2]]);
      assert.equal(one.responseUrl, `${api.baseUrl}/users/3`);
      assert.deepEqual(requests, ['/api/users', '/api/users/3']);
    });

    it('02 - Scalar value: the count as a number, the text/plain version as a string', async function () {
      await loadExample('02 - Scalar value.json');
      const count = await inject('ex02-inject-count', 'ex02-debug-count');
      assert.equal(count.payload, 25);
      const version = await inject('ex02-inject-version', 'ex02-debug-version');
      assert.equal(version.payload, '1.0.0');
      assert.equal(version.responseUrl, `${api.baseUrl}/stats/version`);
    });

    describe('03 - Errors with catch', function () {
      beforeEach(async function () {
        await loadExample('03 - Errors with catch.json');
      });

      it('a 404 reaches the catch node with code, status and body', async function () {
        const quiet = silence('ex03-debug-ok');
        const caught = await inject('ex03-inject-404', 'ex03-debug-error');
        assert.equal(caught.error?.code, 'ERR_HTTP_STATUS');
        assert.match(caught.error.message, /404/);
        assert.equal(caught.statusCode, 404);
        assert.match(String(caught.responseBody), /No user with id '999'/);
        assert.equal(typeof caught.headers, 'object');
        assert.equal(caught.responseUrl, `${api.baseUrl}/users/999`);
        await quiet;
      });

      it('a bad JSONPath reaches the catch node as ERR_JSONPATH', async function () {
        const quiet = silence('ex03-debug-ok');
        const caught = await inject('ex03-inject-jsonpath', 'ex03-debug-error');
        assert.equal(caught.error?.code, 'ERR_JSONPATH');
        assert.match(caught.error.message, /rowsPath/);
        await quiet;
      });

      it('a value that is not a number reaches the catch node as ERR_VALUE', async function () {
        const quiet = silence('ex03-debug-ok');
        const caught = await inject('ex03-inject-value', 'ex03-debug-error');
        assert.equal(caught.error?.code, 'ERR_VALUE');
        assert.match(caught.error.message, /1\.0\.0/);
        assert.equal(caught.statusCode, 200);
        assert.equal(caught.responseBody, '1.0.0');
        await quiet;
      });
    });

    describe('04 - Authentication: one connection, each type as its comment says', function () {
      const file = '04 - Authentication.json';
      /** The rows of the comment's table: what to choose in the connection, and what whoami answers. */
      const TYPES = [
        {
          row: '| Bearer token | | Token `demo-token` |',
          connection: { authType: 'bearer' },
          credentials: { token: DEMO_TOKEN },
          answer: 'bearer',
        },
        {
          row: '| Basic | | Username `demo`, Password `demo` |',
          connection: { authType: 'basic' },
          credentials: { username: DEMO_USER.username, password: DEMO_USER.password },
          answer: 'basic',
        },
        {
          row: '| API key | Key name `X-API-Key`, send key in Header | API key `demo-key` |',
          connection: { authType: 'apiKey', apiKeyName: 'X-API-Key', apiKeyIn: 'header' },
          credentials: { apiKey: DEMO_API_KEY },
          answer: 'apiKey',
        },
        {
          row: '| API key | Key name `api_key`, send key in Query parameter | API key `demo-key` |',
          connection: { authType: 'apiKey', apiKeyName: 'api_key', apiKeyIn: 'query' },
          credentials: { apiKey: DEMO_API_KEY },
          answer: 'apiKey',
        },
      ];
      /** All of them at once, as `npm start` deploys the tab. */
      const ALL_CREDENTIALS = Object.assign({}, ...TYPES.map((type) => type.credentials)) as object;

      it('as imported (no authentication yet), and as npm start deploys it, the 401 reaches the catch node', async function () {
        for (const credentials of [undefined, ALL_CREDENTIALS]) {
          await loadExample(file, { credentials });
          const quiet = silence('ex04-debug');
          const caught = await inject('ex04-inject', 'ex04-debug-error');
          assert.equal(caught.statusCode, 401);
          assert.ok(['ERR_HTTP_STATUS', 'ERR_AUTH'].includes(String(caught.error?.code)), caught.error?.code);
          assert.equal(caught.responseUrl, `${api.baseUrl}/secure/whoami`);
          await quiet;
          await helper.unload();
        }
      });

      it('bearer, basic and API key (header and query) get in, each with the settings of its row', async function () {
        const comment = String(readExample(file).find((node) => node.type === 'comment')?.info);
        for (const type of TYPES) {
          assert.ok(comment.includes(type.row), `the comment's table has ${type.row}`);
          await loadExample(file, { connection: type.connection, credentials: type.credentials });
          const msg = await inject('ex04-inject', 'ex04-debug');
          assert.equal(msg.payload, type.answer, type.row);
          await helper.unload();
        }
        assert.ok(requests.some((url) => url === `/api/secure/whoami?api_key=${DEMO_API_KEY}`));
      });
    });

    it('05 - Split and join: 25 row messages with parts, joined back into the 25 rows', async function () {
      await loadExample('05 - Split and join.json');
      const rowMessages = messages('ex05-debug-rows', 25);
      const joined = await inject('ex05-inject', 'ex05-debug-all');
      const rows = await rowMessages;
      assert.deepEqual(
        rows.map((msg) => msg.payload),
        USER_ROWS,
      );
      assert.deepEqual(
        rows.map((msg) => msg.parts?.index),
        USER_ROWS.map((_, index) => index),
      );
      // Rows are streamed page by page, so, as with a streaming split node, only the last knows the count.
      assert.equal(rows[24]!.parts?.count, 25);
      assert.equal(new Set(rows.map((msg) => msg.parts?.id)).size, 1);
      assert.deepEqual(joined.payload, USER_ROWS);
    });

    for (const style of ['page', 'offset', 'nextUrl', 'linkHeader', 'cursor']) {
      it(`06 - Paging (${style}): all 25 rows from three pages`, async function () {
        await loadExample('06 - Paging.json');
        const msg = await inject(`ex06-inject-${style}`, 'ex06-debug');
        assert.deepEqual(msg.payload, USER_ROWS);
        assert.equal(msg.rowCount, 25);
        assert.equal(requests.length, 3, requests.join(' '));
      });
    }
  });

  describe('with REST_DEMO_URL unset', function () {
    let before_: string | undefined;
    let api: RunningDemoApi;
    let requests = 0;
    before(async function () {
      before_ = process.env.REST_DEMO_URL;
      delete process.env.REST_DEMO_URL;
      // A demo API on another port: it must not be asked.
      api = await startDemoApi({ port: 0 });
      api.server.on('request', () => requests++);
    });
    after(async function () {
      if (before_ !== undefined) process.env.REST_DEMO_URL = before_;
      await api?.close();
    });

    it(`the connection uses the default ${DEFAULT_DEMO_URL}`, async function () {
      // A catch node beside the example: with nothing on the default port the request fails, and the error names its URL.
      await loadExample('01 - Grid of users.json', {
        extra: [
          { id: 'catcher', type: 'catch', z: TAB, scope: null, uncaught: false, wires: [['caught']] },
          { id: 'caught', type: 'helper', z: TAB },
        ],
      });
      const output = nextMessage('ex01-debug-all');
      const caught = nextMessage('caught');
      helper.getNode('ex01-inject-all').receive({});
      const first = await Promise.race([output, caught]);
      // Something (a demo API from `npm start`) may answer on the default port, or nothing may: either way the URL is the default.
      const url = first.responseUrl ?? /Could not reach (\S+):/.exec(String(first.error?.message))?.[1];
      assert.equal(url, `${DEFAULT_DEMO_URL}/users`, JSON.stringify(first.error ?? first.responseUrl));
      assert.equal(requests, 0);
    });
  });
});
