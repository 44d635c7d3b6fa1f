#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: the same workloads through execute-rest-grid, Node-RED's core http request +
 * change nodes, and a raw got loop, side by side. The API and the authenticating proxy run in
 * their own processes; every job runs in a fresh process (worker.js) so its timings and peak
 * memory are its own. Prints a table and the targets, writes bench/results/latest.json.
 *
 *   BENCH_SCALE=0.5 npm run bench     shorter (2 = twice the messages and runs)
 *   BENCH_ROUNDS=1                     one round instead of two (each round runs every job once,
 *                                      variants in a rotating order; the best round counts, because
 *                                      on a shared machine a slow round measures the neighbours)
 *   BENCH_ONLY=small-c32,big           only these workloads (burst: 1,000 messages at once, maxConcurrent vs core)
 *   BENCH_VARIANTS=ours                only these variants
 *   BENCH_CPU_PROF=1                   write a V8 CPU profile of each job to bench/results/profiles/
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork } = require('node:child_process');
const { printReport } = require('./report');
const { makeBenchPki } = require('./tls-material');

const RESULTS_DIR = path.join(__dirname, 'results');
const SCALE = Number(process.env.BENCH_SCALE || 1);
const VARIANTS = (process.env.BENCH_VARIANTS || 'ours,core,got').split(',');
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS || 2));
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : undefined;

const scaled = (n, min = 1) => Math.max(min, Math.round(n * SCALE));

/** The workloads, in the order they are printed. */
const WORKLOADS = [
  { name: 'small-c1', kind: 'throughput', workload: 'small', concurrency: 1, count: scaled(800, 20), warmup: 200 },
  { name: 'small-c32', kind: 'throughput', workload: 'small', concurrency: 32, count: scaled(3000, 64), warmup: 400 },
  { name: 'big', kind: 'durations', workload: 'big', runs: scaled(3), warmupRuns: 0 },
  { name: 'pages', kind: 'durations', workload: 'pages', runs: scaled(2), warmupRuns: 1 },
  {
    name: 'proxy-c1',
    kind: 'throughput',
    workload: 'small',
    proxied: true,
    concurrency: 1,
    count: scaled(300, 20),
    warmup: 50,
  },
  {
    name: 'proxy-c32',
    kind: 'throughput',
    workload: 'small',
    proxied: true,
    concurrency: 32,
    count: scaled(1200, 64),
    warmup: 100,
  },
  // HTTPS with a certificate from a private CA (ours: caCert; core: a tls-config node with the CA file).
  {
    name: 'tls-ca-c32',
    kind: 'throughput',
    workload: 'small',
    tls: 'ca',
    concurrency: 32,
    count: scaled(1500, 64),
    warmup: 100,
  },
  // The same, and the server requires a client certificate (mutual TLS).
  {
    name: 'mtls-c32',
    kind: 'throughput',
    workload: 'small',
    tls: 'mtls',
    concurrency: 32,
    count: scaled(1500, 64),
    warmup: 100,
  },
].filter((workload) => !ONLY || ONLY.includes(workload.name));

/** Forks a helper server and resolves with the first message it sends (its URL). */
function startServer(file, args = []) {
  const child = fork(path.join(__dirname, file), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (info) => resolve({ child, ...info }));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before listening`)));
  });
}

function runWorker(job) {
  const execArgv = ['--expose-gc'];
  if (process.env.BENCH_CPU_PROF) {
    const dir = path.join(RESULTS_DIR, 'profiles');
    fs.mkdirSync(dir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${job.name}-${job.variant}.cpuprofile`);
  }
  // No environment proxy: every variant talks to the loopback API directly unless told otherwise.
  const env = { ...process.env };
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'])
    delete env[name];
  const child = fork(path.join(__dirname, 'worker.js'), [JSON.stringify(job)], { execArgv, env });
  return new Promise((resolve, reject) => {
    let reply;
    child.on('message', (message) => (reply = message));
    child.on('exit', (code) => {
      if (reply && reply.result) resolve(reply.result);
      else reject(new Error(`${job.name} ${job.variant || ''} failed (exit ${code}): ${reply ? reply.error : ''}`));
    });
  });
}

async function main() {
  const started = Date.now();
  const pki = await makeBenchPki();
  const api = await startServer('api-server.js', [JSON.stringify(pki)]);
  const proxyAuth = { username: 'bench', password: crypto.randomBytes(12).toString('hex') };
  const proxyServer = await startServer('proxy-server.js', [proxyAuth.username, proxyAuth.password]);
  const proxy = { url: proxyServer.url, ...proxyAuth };
  const results = { workloads: {}, reference: {}, rounds: [] };
  try {
    if (WORKLOADS.some((workload) => workload.name === 'big')) {
      results.reference.jsonParse = await runWorker({ name: 'parse', kind: 'parse', apiUrl: api.url, runs: 5 });
    }
    for (let round = 0; round < ROUNDS; round++) {
      const roundResults = {};
      results.rounds.push(roundResults);
      for (const workload of WORKLOADS) {
        roundResults[workload.name] = {};
        for (const variant of rotate(VARIANTS, round)) {
          const job = {
            ...workload,
            variant,
            apiUrl: workload.tls === 'ca' ? api.httpsUrl : workload.tls === 'mtls' ? api.mtlsUrl : api.url,
            proxy: workload.proxied ? proxy : undefined,
            pki: workload.tls ? pki : undefined,
          };
          const result = await runWorker(job);
          roundResults[workload.name][variant] = result;
          console.error(`  round ${round + 1}  ${workload.name.padEnd(10)} ${variant.padEnd(5)} ${summary(result)}`);
        }
      }
    }
    for (const workload of WORKLOADS) results.workloads[workload.name] = bestOf(results.rounds, workload.name);
    if (!ONLY || ONLY.includes('burst')) {
      results.burst = [];
      for (const variant of ['ours', 'core']) {
        const burst = await runWorker({ name: 'burst', kind: 'burst', variant, count: 1000, maxConcurrent: 10 });
        results.burst.push(burst);
      }
    }
  } finally {
    api.child.disconnect();
    proxyServer.child.disconnect();
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
  Object.assign(results, {
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    scale: SCALE,
    bigResponseBytes: api.bigBytes,
    environment: {
      node: process.version,
      nodeRed: require('node-red/package.json').version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0] && os.cpus()[0].model,
      platform: `${os.platform()} ${os.release()}`,
    },
    roundCount: ROUNDS,
    loadAverage: os.loadavg(),
    workloadSettings: WORKLOADS,
  });
  if (WORKLOADS.length > 0) printReport(results);
  if (results.burst) printBurst(results.burst);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwritten to ${path.relative(process.cwd(), path.join(RESULTS_DIR, 'latest.json'))}`);
}

/** The burst: what reached the API when 1,000 messages arrived at once. */
function printBurst(burst) {
  console.log('\nburst: 1,000 messages at once, API answers after 20 ms');
  console.log('  variant                  sockets opened  max in flight  failed  total ms');
  for (const result of burst) {
    const name = result.variant === 'ours' ? `ours (maxConcurrent ${result.maxConcurrent})` : 'core http request';
    console.log(
      `  ${name.padEnd(24)} ${String(result.socketsOpened).padStart(14)} ${String(result.maxInFlightAtApi).padStart(14)} ${String(result.failed).padStart(7)} ${String(result.totalMs).padStart(9)}` +
        (result.firstError ? `  first error: ${result.firstError}` : ''),
    );
  }
}

function rotate(list, by) {
  const shift = by % list.length;
  return [...list.slice(shift), ...list.slice(0, shift)];
}

/** Per variant: the fastest round, with the largest peak memory of all rounds (memory is not luck). */
function bestOf(rounds, name) {
  const best = {};
  for (const round of rounds) {
    for (const [variant, result] of Object.entries(round[name])) {
      const current = best[variant];
      const faster =
        !current || (result.perSecond ? result.perSecond > current.perSecond : result.medianMs < current.medianMs);
      const peak = Math.max(result.peakRss, current ? current.peakRss : 0);
      const extra = Math.max(result.extraRss, current ? current.extraRss : 0);
      best[variant] = { ...(faster ? result : current), peakRss: peak, extraRss: extra };
    }
  }
  return best;
}

function summary(result) {
  if (result.perSecond) return `${Math.round(result.perSecond)} req/s`;
  return `${Math.round(result.medianMs)} ms`;
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exitCode = 1;
});
