'use strict';
/**
 * For test/editor.test.js: installs this package into a Node-RED user dir and runs Node-RED
 * (test/support/editor-server.js) in a child process on 127.0.0.1 with a free port.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// CHROMIUM_PATH only to try the test's behaviour without a browser; Debian's chromium otherwise.
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** A stand-in runtime for a node whose real .js is not written yet (REST_EDITOR_TEST_STUBS=1 only). */
const stubSource = (type) =>
  `module.exports = function (RED) {\n` +
  `  function Stub(config) { RED.nodes.createNode(this, config); }\n` +
  `  RED.nodes.registerType(${JSON.stringify(type)}, Stub);\n};\n`;

/**
 * Puts the package in <userDir>/node_modules, where Node-RED finds installed nodes: a symlink
 * to the project, so the real dist/nodes is loaded. With `stubs`, a copy whose missing node
 * files are stand-ins (the real .js, .html and icons are linked).
 */
function installPackage(userDir, { stubs = false } = {}) {
  const scope = path.join(userDir, 'node_modules', '@rest-nodes');
  fs.mkdirSync(scope, { recursive: true });
  const target = path.join(scope, 'node-red-rest-connection');
  const nodeFiles = Object.entries(pkg['node-red'].nodes);
  const missing = nodeFiles.filter(([, file]) => !fs.existsSync(path.join(root, file)));
  const noEditor = nodeFiles.filter(([, file]) => !fs.existsSync(path.join(root, file.replace(/\.js$/, '.html'))));
  if (noEditor.length > 0) {
    throw new Error(`dist/nodes has no editor files for ${noEditor.map(([type]) => type)}: run "npm run build" first`);
  }
  if (missing.length === 0 || !stubs) {
    if (missing.length) {
      throw new Error(
        `not built: ${missing.map(([, f]) => f).join(', ')} (run "npm run build"; ` +
          'REST_EDITOR_TEST_STUBS=1 tests the editor against stand-ins meanwhile)',
      );
    }
    fs.symlinkSync(root, target, 'dir');
    return;
  }
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'package.json'), JSON.stringify(pkg));
  for (const [type, file] of nodeFiles) {
    const real = path.join(root, file);
    const js = path.join(target, file);
    fs.mkdirSync(path.dirname(js), { recursive: true });
    if (fs.existsSync(real)) fs.symlinkSync(real, js);
    else fs.writeFileSync(js, stubSource(type));
    // the editor, its help and its palette icon, where Node-RED looks for them beside the .js
    fs.symlinkSync(real.replace(/\.js$/, '.html'), js.replace(/\.js$/, '.html'));
    for (const folder of ['locales', 'icons'])
      fs.symlinkSync(path.join(path.dirname(real), folder), path.join(path.dirname(js), folder), 'dir');
  }
}

/** Starts Node-RED on userDir; resolves {url, stop()} once it is serving the editor. */
/**
 * @param {string} userDir
 * @param {Record<string, unknown>} [extraSettings]
 * @returns {Promise<{ url: string, stop: () => Promise<void>, stderr: () => string }>}
 */
function startEditorServer(userDir, extraSettings = {}) {
  const child = spawn(process.execPath, [path.join(__dirname, 'editor-server.js'), userDir], {
    cwd: root,
    env: { ...process.env, NODE_RED_HOME: userDir, REST_TEST_NODE_RED_SETTINGS: JSON.stringify(extraSettings) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Node-RED did not start within 30 s: ${stderr}`));
    }, 30000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const line = stdout.split('\n').find((l) => l.startsWith('{"port"'));
      if (!line) return;
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${JSON.parse(line).port}/`, stop, stderr: () => stderr });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Node-RED exited with ${code}: ${stderr}`));
    });
  });
}

module.exports = { CHROMIUM, installPackage, startEditorServer };
