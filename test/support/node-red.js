'use strict';
/**
 * Node-RED for flow tests: node-red-node-test-helper with this package's compiled nodes and
 * the core nodes the tests wire them to (catch, join). `useNodeRed()` installs mocha hooks.
 *
 *   const { useNodeRed, load, nextMessage } = require('./support/node-red');
 *   useNodeRed();
 *   await load(flow, credentials);
 *   const msg = await nextMessage('out');   // the next message a helper node receives
 */
/**
 * What the tests use of node-red-node-test-helper, which ships no type declarations.
 * @typedef {{ getCalls(): { args: unknown[] }[] }} Spy
 * @typedef {{
 *   receive(msg: object): void,
 *   on(event: 'input', listener: (msg: object) => void): void,
 *   removeListener(event: 'input', listener: (msg: object) => void): void,
 *   status: Spy,
 * }} HelperNode
 * @typedef {{
 *   init(nodeRedPath: string): void,
 *   startServer(done: () => void): void,
 *   stopServer(done: () => void): void,
 *   load(nodes: unknown[], flow: object[], credentials: object): Promise<void>,
 *   unload(): Promise<void>,
 *   getNode(id: string): HelperNode,
 *   log(): Spy,
 * }} TestHelper
 */
/** @type {TestHelper} */
const helper = require('node-red-node-test-helper');

helper.init(require.resolve('node-red'));

const connectionNode = require('../../dist/nodes/rest-connection/rest-connection.js');
const gridNode = require('../../dist/nodes/execute-rest-grid/execute-rest-grid.js');
const scalarNode = require('../../dist/nodes/execute-rest-scalar/execute-rest-scalar.js');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const joinNode = require('@node-red/nodes/core/sequence/17-split.js');

const NODES = [connectionNode, gridNode, scalarNode, catchNode, joinNode];

function useNodeRed() {
  before(() => new Promise((resolve) => helper.startServer(resolve)));
  after(() => new Promise((resolve) => helper.stopServer(resolve)));
  afterEach(() => helper.unload());
}

function load(flow, credentials = {}) {
  return helper.load(NODES, flow, credentials);
}

/** Resolves with the next message node `id` receives; rejects after `ms`. */
function nextMessage(id, ms = 5000) {
  return messages(id, 1, ms).then((list) => list[0]);
}

/** Resolves with the next `count` messages node `id` receives. */
function messages(id, count, ms = 5000) {
  const node = helper.getNode(id);
  if (!node) throw new Error(`no node ${id} in the flow`);
  return new Promise((resolve, reject) => {
    const received = [];
    const timer = setTimeout(
      () => reject(new Error(`node ${id} received ${received.length} of ${count} messages within ${ms} ms`)),
      ms,
    );
    node.on('input', (msg) => {
      received.push(msg);
      if (received.length === count) {
        clearTimeout(timer);
        resolve(received);
      }
    });
  });
}

/** Asserts that node `id` receives nothing within `ms`. */
function silence(id, ms = 300) {
  const node = helper.getNode(id);
  return new Promise((resolve, reject) => {
    const onInput = (msg) => reject(new Error(`node ${id} unexpectedly received ${JSON.stringify(msg).slice(0, 200)}`));
    node.on('input', onInput);
    setTimeout(() => {
      node.removeListener('input', onInput);
      resolve();
    }, ms);
  });
}

/** The status calls of a node so far, oldest first. */
function statuses(id) {
  return helper
    .getNode(id)
    .status.getCalls()
    .map((call) => call.args[0]);
}

/**
 * A flow: one rest-connection, one query node wired to a helper `out`, and a catch node
 * wired to a helper `caught`. `connection` and `node` override the defaults.
 */
function flowWith({ connection = {}, node = {}, type = 'execute-rest-grid', extra = [] } = {}) {
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    { id: 'restConn', type: 'rest-connection', z: 'tab', name: 'api', authType: 'none', ...connection },
    { id: 'restNode', type, z: 'tab', connection: 'restConn', wires: [['out']], ...node },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
    ...extra,
  ];
}

module.exports = { helper, useNodeRed, load, nextMessage, messages, silence, statuses, flowWith };
