#!/usr/bin/env node
// Finishes what tsc starts: puts beside each node's compiled runtime (dist/nodes/<type>/<type>.js)
// what Node-RED's loader looks for there (@node-red/registry lib/loader.js, lib/localfilesystem.js):
//   <type>.html                  the editor: one <script> with the shared editor scripts and the
//                                node's editor.js (lib/definitions injected), then the edit form
//   locales/<lang>/<type>.html   the help, one file per language
//   icons/                       the palette icons
// Every source comes from nodes/<type>/ (and nodes/shared/ for what the editors share).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const NODES = path.join(ROOT, 'nodes');
const PACKAGE = require(path.join(ROOT, 'package.json'));

/** The editor scripts in nodes/shared/ each node's editor.js builds on, in load order. */
const SHARED_EDITOR_SCRIPTS = {
  'rest-connection': ['editor-common.js'],
  'execute-rest-grid': ['editor-common.js', 'query-editor.js'],
  'execute-rest-scalar': ['editor-common.js', 'query-editor.js'],
};
const DEFINITIONS_MARKER = '__DEFINITIONS__';

/** The node's editor file: its scripts in one function scope (no globals), then its form template. */
function editorHtml(type, definitions) {
  const shared = SHARED_EDITOR_SCRIPTS[type];
  if (!shared) throw new Error(`scripts/build.js: no editor scripts listed for ${type}`);
  const editorJs = read(type, 'editor.js');
  if (!editorJs.includes(DEFINITIONS_MARKER)) throw new Error(`nodes/${type}/editor.js: no ${DEFINITIONS_MARKER}`);
  const scripts = [
    ...shared.map((file) => read('shared', file)),
    editorJs.split(DEFINITIONS_MARKER).join(JSON.stringify(definitions)),
  ];
  return [
    '<script type="text/javascript">',
    '(function () {',
    scripts.join('\n'),
    '})();',
    '</script>',
    '',
    `<script type="text/html" data-template-name="${type}">`,
    read(type, 'editor.html').trimEnd(),
    '</script>',
    '',
  ].join('\n');
}

function read(folder, file) {
  return fs.readFileSync(path.join(NODES, folder, file), 'utf8');
}

function copyFolder(from, to) {
  if (fs.existsSync(from)) fs.cpSync(from, to, { recursive: true });
}

function build() {
  const { editorDefinitions } = require(path.join(ROOT, 'dist', 'lib', 'definitions.js'));
  for (const [type, runtime] of Object.entries(PACKAGE['node-red'].nodes)) {
    const out = path.dirname(path.join(ROOT, runtime));
    if (path.basename(runtime) !== `${type}.js`) throw new Error(`package.json: ${type} must be built to ${type}.js`);
    const definitions = editorDefinitions[type];
    if (!definitions) throw new Error(`lib/definitions.ts: no editor definitions for ${type}`);
    fs.writeFileSync(path.join(out, `${type}.html`), editorHtml(type, definitions));
    copyFolder(path.join(NODES, type, 'locales'), path.join(out, 'locales'));
    copyFolder(path.join(NODES, type, 'icons'), path.join(out, 'icons'));
  }
}

if (require.main === module) build();

module.exports = { build, editorHtml };
