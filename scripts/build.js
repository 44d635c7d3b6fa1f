#!/usr/bin/env node
// Finishes what tsc starts: puts beside each node's compiled runtime (dist/nodes/<type>/<type>.js)
// what Node-RED's loader looks for there (@node-red/registry lib/loader.js, lib/localfilesystem.js):
//   <type>.html                  the editor: the form's style (nodes/shared/editor-form.css), one
//                                <script> with the shared editor scripts and the node's editor.js
//                                (lib/definitions injected), then the edit form (include lines of
//                                shared rows resolved)
//   locales/<lang>/<type>.html   the help, one file per language, with the parts the query nodes
//                                share (nodes/shared/locales/) put in for its include lines
//   icons/                       the palette icons
// and resources/qrcode.js at the package root (Node-RED serves a package's resources/ folder at
// /resources/<package>/): qrcode-generator, which the connection editor loads for the device
// login's QR code only when it shows one.
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
/** `<!-- include shared/locales/en-US/query-inputs.html -->` on a line of its own: a path under nodes/ (help and edit forms). */
const INCLUDE_LINE = /^[ \t]*<!-- include (\S+) -->[ \t]*\n/gm;
/** The first line of an included part, a comment that says where it is used. */
const LEADING_COMMENT = /^<!--[^\n]*-->\n/;

/** The node's editor file: the form's style, its scripts in one function scope (no globals), then its form template. */
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
    '<style>',
    read('shared', 'editor-form.css').trimEnd(),
    '</style>',
    '',
    '<script type="text/javascript">',
    '(function () {',
    scripts.join('\n'),
    '})();',
    '</script>',
    '',
    `<script type="text/html" data-template-name="${type}">`,
    withIncludes(read(type, 'editor.html')).trimEnd(),
    '</script>',
    '',
  ].join('\n');
}

/**
 * A node's help in one language, as Node-RED shows it (include lines resolved).
 * @param {string} type
 * @param {string} [lang]
 * @returns {string}
 */
function helpHtml(type, lang = 'en-US') {
  return withIncludes(read(type, path.join('locales', lang, `${type}.html`)));
}

function withIncludes(text) {
  return text.replace(INCLUDE_LINE, (line, file) => read('.', file).replace(LEADING_COMMENT, ''));
}

/** The node's locales (help, and message catalogs once there are any), include lines resolved. */
function writeLocales(type, out) {
  const locales = path.join(NODES, type, 'locales');
  if (!fs.existsSync(locales)) return;
  for (const lang of fs.readdirSync(locales)) {
    fs.mkdirSync(path.join(out, 'locales', lang), { recursive: true });
    for (const file of fs.readdirSync(path.join(locales, lang))) {
      const text = read(type, path.join('locales', lang, file));
      fs.writeFileSync(path.join(out, 'locales', lang, file), file.endsWith('.html') ? withIncludes(text) : text);
    }
  }
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
    writeLocales(type, out);
    copyFolder(path.join(NODES, type, 'icons'), path.join(out, 'icons'));
  }
  copyQrCodeLibrary();
}

/** qrcode-generator (MIT, no dependencies) as the editor loads it: a script that defines `qrcode`. */
function copyQrCodeLibrary() {
  const source = require.resolve('qrcode-generator');
  const target = path.join(ROOT, 'resources', 'qrcode.js');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(source, target);
}

if (require.main === module) build();

module.exports = { build, editorHtml, helpHtml };
