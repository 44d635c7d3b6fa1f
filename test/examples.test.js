'use strict';
// The example flows in examples/*.json: their shape (every node of ours carries exactly the
// properties of its type), and that each one does what its comment says when it runs in
// Node-RED against the bundled demo API.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const helper = require('node-red-node-test-helper');
const { messages } = require('./support/node-red');
const { connectionDefaults, gridDefaults, scalarDefaults } = require('../dist/lib/definitions');
const { startDemoApi, USERS } = require('../demo-api/server');

const EXAMPLES_DIR = path.join(__dirname, '..', 'examples');
const DEMO_BASE_URL = 'http://127.0.0.1:8765/api';
const DEFAULTS = {
  'rest-connection': connectionDefaults,
  'execute-rest-grid': gridDefaults,
  'execute-rest-scalar': scalarDefaults,
};
/** Keys Node-RED itself stores on nodes, beside the node's own properties. */
const FLOW_KEYS = ['id', 'type', 'z', 'g', 'd', 'x', 'y', 'wires'];

const exampleFiles = fs
  .readdirSync(EXAMPLES_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort();

function readExample(file) {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'));
}

function kindOf(value) {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

describe('example flows', function () {
  it('include the documented examples', function () {
    for (const name of [
      '01 - Grid of users.json',
      '02 - Scalar value.json',
      '03 - Errors with catch.json',
      '04 - Authentication.json',
      '05 - Split and join.json',
      '06 - Paging.json',
    ]) {
      assert.ok(exampleFiles.includes(name), `${name} is missing`);
    }
  });

  it('have node ids that are unique across all files (npm start deploys them together)', function () {
    const seen = new Map();
    for (const file of exampleFiles) {
      for (const node of readExample(file)) {
        assert.ok(!seen.has(node.id), `${file}: id ${node.id} is also used in ${seen.get(node.id)}`);
        seen.set(node.id, file);
      }
    }
  });

  for (const file of exampleFiles) {
    describe(file, function () {
      let nodes;
      before(function () {
        nodes = readExample(file);
      });

      it('is an array of nodes with an id and a type each', function () {
        assert.ok(Array.isArray(nodes) && nodes.length > 0);
        for (const node of nodes) {
          assert.equal(typeof node.id, 'string');
          assert.equal(typeof node.type, 'string');
        }
      });

      it('gives every node of ours exactly the properties of its type, with the right kinds', function () {
        const ours = nodes.filter((node) => DEFAULTS[node.type]);
        assert.ok(ours.length > 0);
        for (const node of ours) {
          const defaults = DEFAULTS[node.type];
          const where = `${file} ${node.type} ${node.id}`;
          const expected = [...Object.keys(defaults)].sort();
          const actual = Object.keys(node)
            .filter((key) => !FLOW_KEYS.includes(key))
            .sort();
          assert.deepEqual(actual, expected, `${where}: properties differ from lib/definitions`);
          for (const key of expected) {
            assert.equal(kindOf(node[key]), kindOf(defaults[key]), `${where}: ${key}`);
          }
        }
      });

      it('stores no credentials', function () {
        for (const node of nodes) assert.equal(node.credentials, undefined, `${node.id} has credentials`);
      });

      it('has its own connection to the demo API, used by every grid and scalar node', function () {
        const connections = nodes.filter((node) => node.type === 'rest-connection');
        assert.ok(connections.length > 0);
        for (const connection of connections) assert.equal(connection.baseUrl, DEMO_BASE_URL);
        const ids = new Set(connections.map((connection) => connection.id));
        for (const node of nodes.filter((candidate) => /^execute-rest-/.test(candidate.type))) {
          assert.ok(ids.has(node.connection), `${node.id} uses connection ${node.connection}`);
          assert.ok(node.path.startsWith('/'), `${node.id}: path ${node.path}`);
        }
      });

      it('wires and catch scopes point at nodes of the same file', function () {
        const ids = new Set(nodes.map((node) => node.id));
        for (const node of nodes) {
          for (const target of (node.wires || []).flat()) assert.ok(ids.has(target), `${node.id} -> ${target}`);
          if (Array.isArray(node.scope)) for (const target of node.scope) assert.ok(ids.has(target));
        }
      });
    });
  }
});

const RUNTIME_FILES = ['rest-connection', 'execute-rest-grid', 'execute-rest-scalar'].map((name) =>
  path.join(__dirname, '..', 'dist', 'nodes', name, `${name}.js`),
);

describe('example flows running in Node-RED against the demo API', function () {
  let api;
  const USER_ROWS = USERS.map((user) => ({ name: user.name, email: user.email, city: user.address.city }));
  const DEMO_CREDENTIALS = {
    'ex04-connection-bearer': { token: 'demo-token' },
    'ex04-connection-basic': { username: 'demo', password: 'demo' },
    'ex04-connection-apikey': { apiKey: 'demo-key' },
    'ex04-connection-apikey-query': { apiKey: 'demo-key' },
  };

  before(async function () {
    helper.init(require.resolve('node-red'));
    api = await startDemoApi({ port: 0 });
  });

  afterEach(async function () {
    await helper.unload();
  });

  after(async function () {
    if (api) await api.close();
  });

  /**
   * Loads an example into Node-RED on one tab, against the test's demo API, with each debug
   * node replaced by a helper node of the same id (whose input the test can watch).
   */
  async function loadExample(file, credentials = {}) {
    const tab = { id: 'examples-test-tab', type: 'tab', label: file };
    const flow = readExample(file).map((node) => {
      if (node.type === 'debug') return { id: node.id, type: 'helper', z: tab.id, wires: [] };
      const copy = { ...node, z: tab.id };
      if (copy.type === 'rest-connection') copy.baseUrl = api.baseUrl;
      return copy;
    });
    const nodeModules = [
      ...RUNTIME_FILES.map((file) => require(file)),
      require('@node-red/nodes/core/common/20-inject.js'),
      require('@node-red/nodes/core/common/90-comment.js'),
      require('@node-red/nodes/core/sequence/17-split.js'),
    ];
    await helper.load(nodeModules, [tab, ...flow], credentials);
  }

  async function inject(injectId, receiverId, count = 1) {
    const received = messages(receiverId, count);
    helper.getNode(injectId).receive({});
    return count === 1 ? (await received)[0] : received;
  }

  /** Fails when a helper node receives anything during `ms`. */
  function noMessageOn(id, ms = 300) {
    const node = helper.getNode(id);
    let unexpected;
    node.on('input', (msg) => (unexpected = msg));
    return new Promise((resolve) => setTimeout(resolve, ms)).then(() =>
      assert.equal(unexpected, undefined, `${id} received a message`),
    );
  }

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
  });

  it('02 - Scalar value: the count as a number, the text/plain version as a string', async function () {
    await loadExample('02 - Scalar value.json');
    const count = await inject('ex02-inject-count', 'ex02-debug-count');
    assert.equal(count.payload, 25);
    const version = await inject('ex02-inject-version', 'ex02-debug-version');
    assert.equal(version.payload, '1.0.0');
  });

  describe('03 - Errors with catch', function () {
    beforeEach(async function () {
      await loadExample('03 - Errors with catch.json');
    });

    it('a 404 reaches the catch node with code, status and body', async function () {
      const silence = noMessageOn('ex03-debug-ok');
      const caught = await inject('ex03-inject-404', 'ex03-debug-error');
      assert.equal(caught.error.code, 'ERR_HTTP_STATUS');
      assert.match(caught.error.message, /404/);
      assert.equal(caught.statusCode, 404);
      assert.match(caught.responseBody, /No user with id '999'/);
      assert.equal(typeof caught.headers, 'object');
      await silence;
    });

    it('a bad JSONPath reaches the catch node as ERR_JSONPATH', async function () {
      const silence = noMessageOn('ex03-debug-ok');
      const caught = await inject('ex03-inject-jsonpath', 'ex03-debug-error');
      assert.equal(caught.error.code, 'ERR_JSONPATH');
      assert.match(caught.error.message, /rowsPath/);
      await silence;
    });

    it('a value that is not a number reaches the catch node as ERR_VALUE', async function () {
      const silence = noMessageOn('ex03-debug-ok');
      const caught = await inject('ex03-inject-value', 'ex03-debug-error');
      assert.equal(caught.error.code, 'ERR_VALUE');
      assert.match(caught.error.message, /1\.0\.0/);
      assert.equal(caught.statusCode, 200);
      assert.equal(caught.responseBody, '1.0.0');
      await silence;
    });
  });

  it('04 - Authentication: bearer, basic and API key (header and query) get in', async function () {
    await loadExample('04 - Authentication.json', DEMO_CREDENTIALS);
    for (const [role, expected] of [
      ['bearer', 'bearer'],
      ['basic', 'basic'],
      ['apikey', 'apiKey'],
      ['apikey-query', 'apiKey'],
    ]) {
      const msg = await inject(`ex04-inject-${role}`, 'ex04-debug');
      assert.equal(msg.payload, expected, role);
    }
  });

  it('04 - Authentication: without credentials the 401 reaches the catch node', async function () {
    await loadExample('04 - Authentication.json', DEMO_CREDENTIALS);
    const caught = await inject('ex04-inject-none', 'ex04-debug-error');
    assert.equal(caught.statusCode, 401);
    assert.ok(['ERR_HTTP_STATUS', 'ERR_AUTH'].includes(caught.error.code), caught.error.code);
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
      rows.map((msg) => msg.parts.index),
      USER_ROWS.map((_, index) => index),
    );
    // Rows are streamed page by page, so, as with a streaming split node, only the last knows the count.
    assert.equal(rows[24].parts.count, 25);
    assert.equal(new Set(rows.map((msg) => msg.parts.id)).size, 1);
    assert.deepEqual(joined.payload, USER_ROWS);
  });

  for (const style of ['page', 'offset', 'nextUrl', 'linkHeader', 'cursor']) {
    it(`06 - Paging (${style}): all 25 rows from three pages`, async function () {
      await loadExample('06 - Paging.json');
      const msg = await inject(`ex06-inject-${style}`, 'ex06-debug');
      assert.deepEqual(msg.payload, USER_ROWS);
      assert.equal(msg.rowCount, 25);
    });
  }
});
