#!/usr/bin/env node
'use strict';
/**
 * How fast streaming JSON parsers turn a large array into rows, against JSON.parse of the whole
 * body: the measurement behind lib/stream/ (see docs/performance.md). Each parser runs in its own
 * process, fed the same bytes in 64 KB chunks; prints MB/s, rows and peak RSS (VmHWM).
 *
 *   npm run build && node bench/stream-parsers.js              100 MB
 *   STREAM_MB=20 node bench/stream-parsers.js                   smaller
 *   PARSER_MODULES=/tmp/parser-candidates/node_modules node bench/stream-parsers.js
 *                                                               also @streamparser/json and stream-json,
 *                                                               installed there (not dependencies of the package)
 */
const fs = require('node:fs');
const path = require('node:path');
const { fork } = require('node:child_process');

const MB = Number(process.env.STREAM_MB || 100);
const CHUNK = 64 * 1024;
const PARSERS = ['JSON.parse', 'ours', '@streamparser/json', 'stream-json'];

/** One row of a typical export: numbers, short strings, a nested object, an escape now and then. */
function row(i) {
  return JSON.stringify({
    id: i,
    name: `item ${i}`,
    price: Math.round(i * 137) / 100,
    active: i % 3 === 0,
    tags: ['a', 'b'],
    address: { city: i % 7 === 0 ? 'Zürich "HQ"' : 'Berlin', zip: String(10000 + (i % 90000)) },
  });
}

function makeBody(mb) {
  const parts = ['['];
  let size = 1;
  for (let i = 0; size < mb * 1024 * 1024; i++) {
    const text = (i ? ',' : '') + row(i);
    parts.push(text);
    size += text.length;
  }
  parts.push(']');
  return Buffer.from(parts.join(''));
}

function peakRss() {
  const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

function requireCandidate(name) {
  const dir = process.env.PARSER_MODULES;
  return require(dir ? require.resolve(name, { paths: [dir] }) : name);
}

function chunksOf(file) {
  const body = fs.readFileSync(file);
  const chunks = [];
  for (let at = 0; at < body.length; at += CHUNK) chunks.push(Buffer.from(body.subarray(at, at + CHUNK)));
  return { chunks, bytes: body.length };
}

/** Runs one parser in this (child) process: resolves with rows counted and milliseconds. */
async function runParser(name, file) {
  const { chunks, bytes } = chunksOf(file);
  // The input is in memory already; what counts is what the parser adds: peak reset after a GC.
  global.gc?.();
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // An old kernel: the peak then includes reading the file.
  }
  const rssBefore = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
  let rows = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  if (name === 'JSON.parse') {
    // As the buffered grid node does: one buffer, one string, one parse.
    const whole = Buffer.concat(chunks);
    rows = JSON.parse(whole.toString('latin1')).length;
  } else if (name === 'ours') {
    const { RowExtractor } = require('../dist/lib/extract/row-extractor');
    const { StreamedRows } = require('../dist/lib/stream/streamed-rows');
    const reader = StreamedRows.of(new RowExtractor({ rowsPath: '$' }).table());
    for (const chunk of chunks) rows += reader.write(chunk).length;
    rows += reader.end().rows.length;
  } else if (name === '@streamparser/json') {
    const { JSONParser } = requireCandidate('@streamparser/json');
    const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
    parser.onValue = () => rows++;
    for (const chunk of chunks) parser.write(chunk);
  } else if (name === 'stream-json') {
    // stream-json 3 is an ES module: parser and array streamer in one Node.js stream.
    const { pathToFileURL } = require('node:url');
    const dir = process.env.PARSER_MODULES;
    const file = dir ? require.resolve('stream-json/streamers/stream-array.js', { paths: [dir] }) : undefined;
    const { default: streamArray } = await import(
      file ? pathToFileURL(file).href : 'stream-json/streamers/stream-array.js'
    );
    const { Readable } = require('node:stream');
    await new Promise((resolve, reject) => {
      const pipeline = Readable.from(chunks).pipe(streamArray.withParserAsStream());
      pipeline.on('data', () => rows++);
      pipeline.on('end', resolve);
      pipeline.on('error', reject);
    });
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  // CPU time (user + system) is what the comparison uses: on a busy machine wall time measures the neighbours.
  const cpuMs = (used.user + used.system) / 1000;
  return { name, rows, ms, cpuMs, mbPerS: bytes / 1024 / 1024 / (cpuMs / 1000), peakGrowth: peakRss() - rssBefore };
}

async function main() {
  if (process.argv[2] === '--child') {
    const result = await runParser(process.argv[3], process.argv[4]).catch((err) => ({ error: String(err) }));
    process.send(result);
    return;
  }
  const file = path.join(require('node:os').tmpdir(), `stream-parsers-${MB}mb.json`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, makeBody(MB));
  console.log(`${MB} MB array of ${row(1).length}-byte rows, fed in ${CHUNK / 1024} KB chunks`);
  const results = [];
  for (const name of PARSERS) {
    const child = fork(__filename, ['--child', name, file], { execArgv: ['--expose-gc'] });
    const result = await new Promise((resolve) => child.once('message', resolve));
    child.kill();
    results.push(result);
    if (result.error) {
      console.log(`${name.padEnd(20)} skipped: ${result.error.split('\n')[0]}`);
      continue;
    }
    const base = results[0].cpuMs;
    console.log(
      `${name.padEnd(20)} ${String(result.rows).padStart(9)} rows ${result.ms.toFixed(0).padStart(7)} ms wall ` +
        `${result.cpuMs.toFixed(0).padStart(7)} ms CPU ${result.mbPerS.toFixed(0).padStart(5)} MB/s CPU  ` +
        `${(base / result.cpuMs).toFixed(2)}x JSON.parse  ` +
        `peak RSS +${(result.peakGrowth / 1024 / 1024).toFixed(0)} MB`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
