#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:stream`: large chunked exports through a real Node-RED in a child process,
 * peak memory from the kernel (VmHWM in /proc/<pid>/status, reset just before the request, so
 * it is the growth the request caused):
 *   - ours-400: execute-rest-grid, split, batchSize 1000, a 400 MB export (about 2 million rows);
 *   - ours-100 and core-100: a 100 MB export, ours as above against core's http request (parsed
 *     JSON) -> split -> the same sink;
 *   - JSON.parse of the same 400 MB (and 100 MB) body, fetched whole first: the speed to match.
 * Each job runs in a fresh process. Targets: every row arrives; ours-400 grows ≤ 150 MB and
 * runs at ≥ 0.8x JSON.parse's MB/s; ours-100 uses ≤ 1/4 of core-100's memory.
 *
 *   npm run bench:stream                    everything (a few minutes)
 *   STREAM_JOBS=ours-100,core-100 npm run bench:stream
 *   STREAM_BATCH=1 npm run bench:stream     another batchSize for ours
 *   STREAM_SCALE=0.1 npm run bench:stream   a tenth of the sizes, for a quick look
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork } = require('node:child_process');

const RESULTS_DIR = path.join(__dirname, 'results');
const BATCH = Number(process.env.STREAM_BATCH || 1000);
/** STREAM_SCALE=0.1: a tenth of every size, for a quick look (the targets are for the full sizes). */
const SCALE = Number(process.env.STREAM_SCALE || 1);
const JOBS = [
  { name: 'parse-400', kind: 'parse', mb: 400 },
  { name: 'ours-400', kind: 'ours', mb: 400 },
  { name: 'parse-100', kind: 'parse', mb: 100 },
  { name: 'ours-100', kind: 'ours', mb: 100 },
  { name: 'core-100', kind: 'core', mb: 100 },
]
  .map((job) => ({ ...job, mb: job.mb * SCALE }))
  .filter((job) => !process.env.STREAM_JOBS || process.env.STREAM_JOBS.split(',').includes(job.name));

function status(name) {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** Forgets the peak so far (Linux 4.0+): VmHWM starts again from the current RSS. */
function resetPeak() {
  global.gc?.();
  global.gc?.();
  fs.writeFileSync('/proc/self/clear_refs', '5');
}

/** CPU time (user + system) of this process since `since`, in ms: steadier than wall time on a busy machine. */
function cpuMsSince(since) {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

async function getJson(url) {
  const response = await fetch(url);
  return response.json();
}

/** In the child: one job; resolves with its figures. */
async function runJob(job, apiUrl) {
  const expected = await getJson(`${apiUrl}/export-bytes?mb=${job.mb}`);
  const url = `${apiUrl}/export?mb=${job.mb}`;
  if (job.kind === 'parse') {
    // The body whole in one buffer first (not timed), then what JSON.parse costs on those bytes.
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    resetPeak();
    const before = status('VmRSS');
    const start = performance.now();
    const cpu = process.cpuUsage();
    const doc = JSON.parse(body.toString('latin1'));
    const ms = performance.now() - start;
    const cpuMs = cpuMsSince(cpu);
    if (doc.data.length !== expected.rows) throw new Error(`parsed ${doc.data.length} rows of ${expected.rows}`);
    return { ...expected, ms, cpuMs, growth: status('VmHWM') - before };
  }
  const { startNodeRed } = require('./node-red-runtime');
  const red = await startNodeRed();
  const tab = { id: 'bench', type: 'tab', label: 'bench' };
  const sinks = [
    { id: 'sink', type: 'bench-sink', z: 'bench', wires: [] },
    { id: 'catcher', type: 'catch', z: 'bench', scope: null, uncaught: false, wires: [['errors']] },
    { id: 'errors', type: 'bench-sink', z: 'bench', wires: [] },
  ];
  const flow =
    job.kind === 'ours'
      ? [
          tab,
          ...sinks,
          {
            id: 'conn',
            type: 'rest-connection',
            z: 'bench',
            baseUrl: apiUrl,
            authType: 'none',
            retries: 0,
            timeout: 600000,
            maxResponseBytes: 0,
          },
          {
            id: 'entry',
            type: 'execute-rest-grid',
            z: 'bench',
            connection: 'conn',
            method: 'GET',
            path: `/export?mb=${job.mb}`,
            rowsPath: '$.data',
            split: true,
            batchSize: BATCH,
            wires: [['sink']],
          },
        ]
      : [
          tab,
          ...sinks,
          { id: 'entry', type: 'http request', z: 'bench', method: 'GET', ret: 'obj', url, wires: [['rows']] },
          {
            id: 'rows',
            type: 'split',
            z: 'bench',
            splt: '\\n',
            spltType: 'str',
            arraySplt: 1,
            arraySpltType: 'len',
            stream: false,
            addname: '',
            property: 'payload.data',
            wires: [['sink']],
          },
        ];
  await red.deploy(flow);
  let rows = 0;
  let failure;
  const finished = new Promise((resolve) => {
    red.onSink((sinkId, msg) => {
      if (sinkId === 'errors') {
        failure = msg.error && msg.error.message;
        resolve();
        return;
      }
      const value = job.kind === 'ours' ? msg.payload : msg.payload.data;
      rows += Array.isArray(value) && job.kind === 'ours' && BATCH > 1 ? value.length : 1;
      const last = job.kind === 'ours' ? msg.parts.count !== undefined : rows === msg.parts.count;
      if (last) resolve();
    });
  });
  resetPeak();
  const before = status('VmRSS');
  const start = performance.now();
  const cpu = process.cpuUsage();
  red.inject('entry', {});
  await finished;
  const ms = performance.now() - start;
  const cpuMs = cpuMsSince(cpu);
  const growth = status('VmHWM') - before;
  await red.stop();
  if (failure) throw new Error(failure);
  if (rows !== expected.rows) throw new Error(`${rows} rows arrived of ${expected.rows}`);
  return { ...expected, ms, cpuMs, growth, batchSize: job.kind === 'ours' ? BATCH : undefined };
}

function startApi() {
  const child = fork(path.join(__dirname, 'stream-api.js'));
  return new Promise((resolve, reject) => {
    child.once('message', (info) => resolve({ child, url: info.url }));
    child.once('exit', (code) => reject(new Error(`stream-api.js exited with ${code}`)));
  });
}

function runInChild(job, apiUrl) {
  const child = fork(__filename, ['--job', JSON.stringify(job), apiUrl], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' },
  });
  return new Promise((resolve, reject) => {
    let reply;
    child.on('message', (message) => (reply = message));
    child.on('exit', (code) => {
      if (reply && reply.result) resolve(reply.result);
      else reject(new Error(`${job.name} failed (exit ${code}): ${reply ? reply.error : ''}`));
    });
  });
}

const MBs = (bytes) => (bytes / 1024 / 1024).toFixed(0);

async function main() {
  if (process.argv[2] === '--job') {
    try {
      process.send({ result: await runJob(JSON.parse(process.argv[3]), process.argv[4]) });
    } catch (err) {
      process.send({ error: err.stack || String(err) });
    }
    process.exit(0);
  }
  const api = await startApi();
  const results = {};
  try {
    for (const job of JOBS) {
      const result = await runInChild(job, api.url);
      results[job.name] = result;
      const rate = result.bytes / 1024 / 1024 / (result.ms / 1000);
      console.log(
        `${job.name.padEnd(10)} ${MBs(result.bytes).padStart(4)} MB ${String(result.rows).padStart(8)} rows ` +
          `${(result.ms / 1000).toFixed(1).padStart(6)} s ${rate.toFixed(0).padStart(4)} MB/s ` +
          `${(result.cpuMs / 1000).toFixed(1).padStart(6)} s CPU  peak RSS +${MBs(result.growth)} MB`,
      );
    }
  } finally {
    api.child.disconnect();
  }
  const ratio = (a, b) => (results[a] && results[b] ? results[b].ms / results[a].ms : undefined);
  const targets = [];
  if (results['ours-400']) {
    const speed = ratio('ours-400', 'parse-400');
    targets.push([
      `400 MB: peak RSS growth ${MBs(results['ours-400'].growth)} MB ≤ 150 MB`,
      results['ours-400'].growth <= 150 * 1024 * 1024,
    ]);
    if (speed) targets.push([`400 MB: ${speed.toFixed(2)}x JSON.parse's speed ≥ 0.8x`, speed >= 0.8]);
  }
  if (results['ours-100'] && results['core-100']) {
    const share = results['ours-100'].growth / results['core-100'].growth;
    targets.push([`100 MB: ours uses ${share.toFixed(2)} of core's memory ≤ 0.25`, share <= 0.25]);
  }
  const speed100 = ratio('ours-100', 'parse-100');
  if (speed100) console.log(`100 MB: ${speed100.toFixed(2)}x JSON.parse's speed`);
  for (const size of ['400', '100']) {
    const ours = results[`ours-${size}`];
    const parse = results[`parse-${size}`];
    if (ours && parse && ours.cpuMs && parse.cpuMs) {
      console.log(
        `${size} MB: ${(parse.cpuMs / ours.cpuMs).toFixed(2)}x JSON.parse's speed in CPU time of the Node-RED process`,
      );
    }
  }
  for (const [text, met] of targets) console.log(`${met ? 'met    ' : 'MISSED '} ${text}`);
  const report = {
    date: new Date().toISOString(),
    batchSize: BATCH,
    results,
    targets: targets.map(([text, met]) => ({ text, met })),
    environment: { node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg() },
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'stream-latest.json'), JSON.stringify(report, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exitCode = 1;
});
