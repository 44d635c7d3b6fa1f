#!/usr/bin/env node
// Finishes what tsc starts: puts each node's editor .html beside its compiled .js (with the
// defaults from lib/definitions injected) and the palette icons in dist/nodes/icons, where
// Node-RED's loader looks for them.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const outNodes = path.join(root, 'dist', 'nodes');
const { editorDefinitions } = require(path.join(root, 'dist', 'lib', 'definitions.js'));

const MARKER = '__DEFINITIONS__';
for (const file of fs.readdirSync(path.join(root, 'nodes'))) {
  if (!file.endsWith('.html')) continue;
  const html = fs.readFileSync(path.join(root, 'nodes', file), 'utf8');
  const type = path.basename(file, '.html');
  const definition = editorDefinitions[type];
  if (html.includes(MARKER) && !definition) throw new Error(`${file}: no definitions for ${type}`);
  fs.writeFileSync(path.join(outNodes, file), html.split(MARKER).join(JSON.stringify(definition)));
}

const iconsOut = path.join(outNodes, 'icons');
fs.mkdirSync(iconsOut, { recursive: true });
for (const icon of fs.readdirSync(path.join(root, 'icons'))) {
  fs.copyFileSync(path.join(root, 'icons', icon), path.join(iconsOut, icon));
}
