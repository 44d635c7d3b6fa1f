#!/usr/bin/env node
// Finishes what tsc starts: puts beside each node's compiled runtime (dist/nodes/<type>/<type>.js)
// what Node-RED's loader looks for there (@node-red/registry lib/loader.js, lib/localfilesystem.js):
//   <type>.html                  the editor: the form's style (nodes/shared/editor-form.css), one
//                                <script> with the shared editor scripts and the node's editor.js
//                                (lib/definitions injected), then the edit form (include lines of
//                                shared rows resolved)
//   locales/<lang>/<type>.html   the help, one file per language, with the parts the query nodes
//                                share (nodes/shared/locales/) put in for its include lines
//   locales/<lang>/<type>.json   the message catalog (below)
//   icons/                       the palette icons
// and resources/qrcode.js at the package root (Node-RED serves a package's resources/ folder at
// /resources/<package>/): qrcode-generator, which the connection editor loads for the device
// login's QR code only when it shows one.
// Every source comes from nodes/<type>/ (and nodes/shared/ for what the editors share).
//
// Message catalogs (Node-RED's i18n; CONTRIBUTING.md, "Translations"):
//   Node-RED registers locales/<lang>/<type>.json beside each node's .js as the catalog of that
//   node set, namespace "@rest-nodes/node-red-rest-connection/<type>"; a key missing in a language
//   falls back to en-US. dist/nodes/<type>/locales/<lang>/<type>.json is
//     nodes/<type>/locales/<lang>/<type>.json             the node's own texts, under "<type>"
//   + every nodes/shared/locales/<lang>/<part>.json        shared texts, each under "<part>"
//   (e.g. query-editor.json holds {"query-editor": {...}}): a shared file is merged into all three
//   catalogs by dropping it in, with no change here. A shared file must hold exactly its own
//   top-level key, and a key defined twice is a build error, so no part can override another.
//   Keys are "<type or part>.<group>.<name>", groups: label, placeholder, tab, option, note,
//   tooltip, status, message; "__name__" in a text is a substitution. Who looks them up:
//   - editor.html: data-i18n="execute-rest-grid.label.rowsPath" (text), "[html]<key>" (text with
//     markup), "[placeholder]query-editor.placeholder.path" (attribute); Node-RED adds the node's
//     namespace itself when it builds the dialog.
//   - editor JS: this._('execute-rest-grid.label.x') in the node definition's functions, and
//     node._('query-editor.message.y', { name: ... }) in shared code given the node being edited.
//   - runtime: translator(RED, type) of nodes/shared/translate.ts, i.e. RED._ with the node's
//     namespace (en-US where no catalog is registered); lib/ stays free of Node-RED.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const NODES = path.join(ROOT, 'nodes');
const PACKAGE = require(path.join(ROOT, 'package.json'));

/** The editor scripts in nodes/shared/ each node's editor.js builds on, in load order. */
const SHARED_EDITOR_SCRIPTS = {
  'rest-connection': ['editor-common.js', 'test-connection.js'],
  'execute-rest-grid': ['editor-common.js', 'query-editor.js', 'json-tree.js', 'preview-panel.js'],
  'execute-rest-scalar': ['editor-common.js', 'query-editor.js', 'json-tree.js', 'preview-panel.js'],
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

/** The node's locales: help with include lines resolved, and the message catalog with the shared parts. */
function writeLocales(type, out) {
  const own = path.join(NODES, type, 'locales');
  const shared = path.join(NODES, 'shared', 'locales');
  const langs = new Set([...subfolders(own), ...subfolders(shared)]);
  for (const lang of langs) {
    const target = path.join(out, 'locales', lang);
    fs.mkdirSync(target, { recursive: true });
    const ownFiles = fs.existsSync(path.join(own, lang)) ? fs.readdirSync(path.join(own, lang)) : [];
    for (const file of ownFiles.filter((name) => name.endsWith('.html'))) {
      fs.writeFileSync(path.join(target, file), withIncludes(read(type, path.join('locales', lang, file))));
    }
    const catalog = messageCatalog(type, lang);
    if (catalog) fs.writeFileSync(path.join(target, `${type}.json`), JSON.stringify(catalog, null, 2) + '\n');
  }
}

/**
 * A node's message catalog in one language: its own nodes/<type>/locales/<lang>/<type>.json and
 * every nodes/shared/locales/<lang>/*.json merged in (undefined when there is none of them).
 * @param {string} type
 * @param {string} lang
 * @returns {Record<string, unknown> | undefined}
 */
function messageCatalog(type, lang) {
  const sources = [];
  const ownFile = path.join(NODES, type, 'locales', lang, `${type}.json`);
  if (fs.existsSync(ownFile)) sources.push({ file: ownFile, key: type });
  const sharedFolder = path.join(NODES, 'shared', 'locales', lang);
  if (fs.existsSync(sharedFolder)) {
    for (const file of fs.readdirSync(sharedFolder).sort()) {
      if (file.endsWith('.json'))
        sources.push({ file: path.join(sharedFolder, file), key: path.basename(file, '.json') });
    }
  }
  if (sources.length === 0) return undefined;
  const catalog = {};
  for (const { file, key } of sources) {
    const part = readJson(file);
    const keys = Object.keys(part);
    if (keys.length !== 1 || keys[0] !== key) {
      throw new Error(`${path.relative(ROOT, file)}: must hold exactly one top-level key, "${key}"`);
    }
    mergeInto(catalog, part, path.relative(ROOT, file), '');
  }
  return catalog;
}

function mergeInto(target, source, file, prefix) {
  for (const [key, value] of Object.entries(source)) {
    const name = prefix + key;
    if (isObject(value) && (target[key] === undefined || isObject(target[key]))) {
      target[key] = target[key] ?? {};
      mergeInto(target[key], value, file, name + '.');
    } else if (target[key] !== undefined) {
      throw new Error(`${file}: "${name}" is already defined by another catalog`);
    } else if (typeof value !== 'string') {
      throw new Error(`${file}: "${name}" must be a text or a group of texts`);
    } else {
      target[key] = value;
    }
  }
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${path.relative(ROOT, file)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function subfolders(folder) {
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder).filter((name) => fs.statSync(path.join(folder, name)).isDirectory());
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

module.exports = { build, editorHtml, helpHtml, messageCatalog };
