'use strict';
/**
 * Runs a real Node-RED (editor and runtime) for the browser test, in its own process so it
 * never shares the node-red module with the tests that use node-red-node-test-helper.
 *
 *   node test/support/editor-server.js <userDir>
 *
 * Listens on 127.0.0.1 with a free port and prints one JSON line {"port": n} once started.
 * The package under test is whatever the caller installed in <userDir>/node_modules.
 */
const http = require('node:http');
const express = require('express');
const RED = require('node-red');

const userDir = process.argv[2];
if (!userDir) {
  console.error('usage: editor-server.js <userDir>');
  process.exit(2);
}

const settings = {
  userDir,
  uiHost: '127.0.0.1',
  httpAdminRoot: '/',
  httpNodeRoot: '/api',
  flowFile: 'flows.json',
  credentialSecret: 'editor-test-secret',
  logging: { console: { level: 'warn' } },
  externalModules: { palette: { allowInstall: false } },
  diagnostics: { enabled: false },
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false, projects: { enabled: false }, palette: { editable: false } },
  // Extra settings for one test (e.g. adminAuth), as JSON.
  ...JSON.parse(process.env.REST_TEST_NODE_RED_SETTINGS || '{}'),
};

const app = express();
const server = http.createServer(app);
RED.init(server, settings);
app.use(settings.httpAdminRoot, RED.httpAdmin);
app.use(settings.httpNodeRoot, RED.httpNode);

server.listen(0, '127.0.0.1', () => {
  RED.start().then(
    () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
});

process.on('SIGTERM', () => {
  RED.stop().finally(() => {
    server.close(() => process.exit(0));
    // Kept-alive connections of the test's fetch calls would hold close() up until they time out.
    server.closeAllConnections();
  });
});
