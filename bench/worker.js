'use strict';
/**
 * One benchmark job in a fresh process (forked by run.js), so timings and peak memory belong
 * to that job alone. argv[2] is the job as JSON:
 *   { kind: 'throughput', variant, workload: 'small', apiUrl, proxy?, tls?, pki?, concurrency, count, warmup }
 *   { kind: 'durations', variant, workload: 'big' | 'pages', apiUrl, runs, warmupRuns }
 *   { kind: 'parse', apiUrl, runs }   JSON.parse of the big response's bytes: the reference
 *   { kind: 'burst', variant, count, maxConcurrent, holdMs }   1,000 messages at once (burst.js)
 * A big job also times JSON.parse of the same bytes in the same process after its runs, so the
 * ratio to JSON.parse compares two measurements made under the same machine load.
 * Replies with process.send({ result }) or process.send({ error }) and exits.
 */
const http = require('node:http');
const { startVariant } = require('./variants');
const { runBurst } = require('./burst');
const { throughput, durations, median, peakRss, resetPeakRss, sampleRss } = require('./measure');

const EXPECTED_ROWS = { small: 20, big: 100000, pages: 100000 };
const JOB_TIMEOUT_MS = 240000;

async function runJob(job) {
  if (job.kind === 'parse') return parseReference(job);
  if (job.kind === 'burst') return runBurst(job);
  const driver = await startVariant(job.variant, job);
  try {
    const expectedRows = EXPECTED_ROWS[job.workload];
    for (let i = 0; i < 20; i++) await driver.warm();
    // The peak of ONE large response, before any other has grown the heap: what the target is about.
    // The back-to-back runs below measure time; their peak also depends on when V8 collects.
    const oneResponse = job.workload === 'big' ? await peakOfOneRun(driver.one, expectedRows) : undefined;
    if (job.kind === 'durations' && job.warmupRuns) {
      await durations(driver.one, { runs: job.warmupRuns, expectedRows });
    }
    global.gc?.();
    const peakWasReset = resetPeakRss();
    const baselineRss = process.memoryUsage().rss;
    // CPU time is what this process spent, whoever else shares the machine: steadier than wall time.
    const cpuBefore = process.cpuUsage();
    // Sampling costs CPU: only where the kernel keeps no high-water mark for us.
    const sampler = peakWasReset ? undefined : sampleRss();
    const measured =
      job.kind === 'throughput'
        ? await throughput(driver.one, { ...job, expectedRows })
        : await durations(driver.one, { runs: job.runs, expectedRows });
    const cpu = process.cpuUsage(cpuBefore);
    const peak = peakRss(sampler ? sampler.stop() : 0);
    const memory = { baselineRss, peakRss: peak, extraRss: Math.max(0, peak - baselineRss), peakWasReset };
    if (oneResponse) memory.perResponseExtraRss = oneResponse.extraRss;
    const units = job.kind === 'throughput' ? job.count : job.runs;
    measured.cpuMsPerUnit = (cpu.user + cpu.system) / 1000 / units;
    if (job.workload !== 'big') return { ...measured, ...memory };
    const bytes = await download(`${job.apiUrl}/big`);
    return { ...measured, ...memory, jsonParseMs: median(parseTimes(bytes, 3)) };
  } finally {
    await driver.close();
  }
}

async function peakOfOneRun(one, expectedRows) {
  global.gc?.();
  if (!resetPeakRss()) return undefined;
  const baselineRss = process.memoryUsage().rss;
  await durations(one, { runs: 1, expectedRows });
  return { extraRss: Math.max(0, peakRss() - baselineRss) };
}

/**
 * JSON.parse (with the UTF-8 decoding any consumer needs) of the same 20 MB the variants
 * receive: its time, and the memory one parse adds once the bytes are in memory.
 */
async function parseReference({ apiUrl, runs }) {
  const bytes = await download(`${apiUrl}/big`);
  global.gc?.();
  const peakWasReset = resetPeakRss();
  const baselineRss = process.memoryUsage().rss;
  const rows = JSON.parse(bytes.toString('utf8')).data.length;
  const peak = peakRss();
  const times = parseTimes(bytes, runs);
  return {
    bytes: bytes.length,
    rows,
    runs: times,
    minMs: Math.min(...times),
    medianMs: median(times),
    baselineRss,
    peakRss: peak,
    extraRss: Math.max(0, peak - baselineRss),
    peakWasReset,
  };
}

function parseTimes(bytes, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    JSON.parse(bytes.toString('utf8'));
    times.push(performance.now() - start);
  }
  return times;
}

/** The bytes of a URL, with nothing but node:http (the reference must not depend on a client). */
function download(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const job = JSON.parse(process.argv[2]);
setTimeout(() => {
  process.send({ error: `job timed out after ${JOB_TIMEOUT_MS} ms` }, () => process.exit(1));
}, JOB_TIMEOUT_MS).unref();
runJob(job).then(
  (result) => process.send({ result }, () => process.exit(0)),
  (err) => process.send({ error: err.stack || String(err) }, () => process.exit(1)),
);
