/**
 * A real Node-RED (editor and runtime) in a process of its own, so it never shares the node-red
 * module with the tests that use node-red-node-test-helper. Started by node-red-editor.ts:
 *
 *   node --require tsx/cjs test/support/editor/node-red-process.ts <userDir>
 *
 * Listens on 127.0.0.1 with a free port and prints one JSON line {"port": n} once started. The
 * package under test is whatever the caller installed in <userDir>/node_modules; extra settings
 * for one test (e.g. adminAuth) come as JSON in REST_TEST_NODE_RED_SETTINGS.
 */
import http from 'node:http';
import type net from 'node:net';
import express from 'express';
import RED from 'node-red';

const userDir = process.argv[2];
if (!userDir) {
  console.error('usage: node-red-process.ts <userDir>');
  process.exit(2);
}

const settings = {
  userDir,
  uiHost: '127.0.0.1',
  uiPort: 0, // unused: the server below listens
  httpAdminRoot: '/',
  httpNodeRoot: '/api',
  flowFile: 'flows.json',
  credentialSecret: 'editor-test-secret',
  logging: { console: { level: 'warn' as const, metrics: false, audit: false } },
  externalModules: { palette: { allowInstall: false } },
  diagnostics: { enabled: false },
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false, projects: { enabled: false }, palette: { editable: false } },
  ...(JSON.parse(process.env.REST_TEST_NODE_RED_SETTINGS || '{}') as object),
};

const app = express();
const server = http.createServer(app);
RED.init(server, settings);
app.use(settings.httpAdminRoot, RED.httpAdmin);
app.use(settings.httpNodeRoot, RED.httpNode);

server.listen(0, '127.0.0.1', () => {
  RED.start().then(
    () => process.stdout.write(JSON.stringify({ port: (server.address() as net.AddressInfo).port }) + '\n'),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
});

process.on('SIGTERM', () => {
  void RED.stop().finally(() => {
    server.close(() => process.exit(0));
    // Kept-alive connections of the test's fetch calls would hold close() up until they time out.
    server.closeAllConnections();
  });
});
