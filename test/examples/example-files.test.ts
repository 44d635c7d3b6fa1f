/**
 * The example flows in examples/*.json as files: the documented ones are there, every node of ours
 * carries exactly the properties of its type, no credentials travel, and each example has one
 * connection, at the demo API's address from REST_DEMO_URL, that all its nodes share.
 */
import assert from 'node:assert/strict';
import { connectionDefaults, gridDefaults, scalarDefaults } from '../../lib/definitions';
import { DEFAULT_PORT } from '../support/demo-api';
import { DEFAULT_DEMO_URL, DEMO_URL_REFERENCE, exampleFiles, readExample, type FlowNode } from './example-flows';

const DEFAULTS: Record<string, object> = {
  'rest-connection': connectionDefaults,
  'execute-rest-grid': gridDefaults,
  'execute-rest-scalar': scalarDefaults,
};
/** Keys Node-RED itself stores on nodes, beside the node's own properties. */
const FLOW_KEYS = ['id', 'type', 'z', 'g', 'd', 'x', 'y', 'wires'];

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

describe('example flows (files)', function () {
  const files = exampleFiles();

  it('include the documented examples', function () {
    for (const name of [
      '01 - Grid of users.json',
      '02 - Scalar value.json',
      '03 - Errors with catch.json',
      '04 - Authentication.json',
      '05 - Split and join.json',
      '06 - Paging.json',
    ]) {
      assert.ok(files.includes(name), `${name} is missing`);
    }
  });

  it('have node ids that are unique across all files (npm start deploys them together)', function () {
    const seen = new Map<string, string>();
    for (const file of files) {
      for (const node of readExample(file)) {
        assert.ok(!seen.has(node.id), `${file}: id ${node.id} is also used in ${seen.get(node.id)}`);
        seen.set(node.id, file);
      }
    }
  });

  it("name the demo API's default address with the port the demo API serves on", function () {
    assert.equal(DEFAULT_DEMO_URL, `http://127.0.0.1:${DEFAULT_PORT}/api`);
    assert.equal(DEMO_URL_REFERENCE, `\${REST_DEMO_URL:-${DEFAULT_DEMO_URL}}`);
  });

  for (const file of files) {
    describe(file, function () {
      let nodes: FlowNode[];
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
          const defaults = DEFAULTS[node.type] as Record<string, unknown>;
          const where = `${file} ${node.type} ${node.id}`;
          const expected = Object.keys(defaults).sort();
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

      it("has one connection, at REST_DEMO_URL or the demo API's default address, used by every grid and scalar node", function () {
        const connections = nodes.filter((node) => node.type === 'rest-connection');
        assert.equal(connections.length, 1, `${file} has ${connections.length} connections`);
        const [connection] = connections;
        assert.equal(connection!.baseUrl, DEMO_URL_REFERENCE);
        const queryNodes = nodes.filter((candidate) => /^execute-rest-/.test(candidate.type));
        assert.ok(queryNodes.length > 0);
        for (const node of queryNodes) {
          assert.equal(node.connection, connection!.id, `${node.id} uses connection ${String(node.connection)}`);
          assert.ok(String(node.path).startsWith('/'), `${node.id}: path ${String(node.path)}`);
        }
      });

      it('names the address nowhere but in that reference, so moving the API needs no other edit', function () {
        for (const node of nodes) {
          const text = JSON.stringify(node).replaceAll(DEMO_URL_REFERENCE, '');
          assert.ok(!text.includes('127.0.0.1'), `${node.id} names an address of its own`);
        }
      });

      it('wires and catch scopes point at nodes of the same file', function () {
        const ids = new Set(nodes.map((node) => node.id));
        for (const node of nodes) {
          for (const target of (node.wires ?? []).flat()) assert.ok(ids.has(target), `${node.id} -> ${target}`);
          if (Array.isArray(node.scope)) for (const target of node.scope as string[]) assert.ok(ids.has(target));
        }
      });
    });
  }
});
