'use strict';
/**
 * A real Node-RED 4 runtime started in this process (no editor, no admin API, no HTTP
 * listener), with this package's compiled nodes and the bench-sink node loaded through
 * `nodesDir`, exactly as a user's runtime loads nodes. We use the runtime rather than
 * node-red-node-test-helper because the helper wraps node methods in sinon spies that
 * record every call: in a benchmark that is extra work and memory that users never pay.
 *
 *   const red = await startNodeRed();
 *   await red.deploy(flow);                        // full deployment; node.credentials as in the editor
 *   red.onSink((sinkId, msg) => ...);              // every message that reaches a bench-sink
 *   red.inject('entry', {});                       // as if it arrived on a wire
 *   await red.stop();
 */
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { arrivals } = require('./nodes/bench-sink');

const ROOT = path.resolve(__dirname, '..');

async function startNodeRed() {
  const RED = require('node-red');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-bench-'));
  RED.init(http.createServer(), {
    userDir,
    flowFile: 'flows.json',
    // The runtime is throwaway and only sees loopback test credentials.
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    nodesDir: [path.join(ROOT, 'dist', 'nodes'), path.join(__dirname, 'nodes')],
    logging: { console: { level: process.env.BENCH_NODE_RED_LOG || 'error', metrics: false, audit: false } },
    telemetry: { enabled: false, updateNotification: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
  });
  // RED.start() resolves before the (empty) initial flows are loaded; a deployment before that
  // would have its credentials overwritten by the load, so wait for the first start.
  const firstStart = new Promise((resolve) => RED.events.once('flows:started', resolve));
  await RED.start();
  await firstStart;

  return {
    RED,
    async deploy(flow) {
      await RED.runtime.flows.setFlows({ flows: { flows: flow }, deploymentType: 'full' });
      // setFlows resolves before the new flows have started: wait (bounded) for every node.
      const ids = flow.filter((node) => node.type !== 'tab').map((node) => node.id);
      for (let attempt = 0; ids.some((id) => !RED.nodes.getNode(id)); attempt++) {
        if (attempt === 200) throw new Error(`nodes ${ids.filter((id) => !RED.nodes.getNode(id))} did not start`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    /** Gives `msg` to node `entryId`, as if it arrived on a wire. */
    inject(entryId, msg) {
      RED.nodes.getNode(entryId).receive(msg);
    },
    /** Calls `listener(sinkId, msg)` for every message a bench-sink receives; returns the unsubscribe. */
    onSink(listener) {
      arrivals.on('message', listener);
      return () => arrivals.removeListener('message', listener);
    },
    async stop() {
      await RED.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

module.exports = { startNodeRed };
