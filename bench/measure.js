'use strict';
/** Timing loops and memory readings for one benchmark job (one process). */
const fs = require('node:fs');

/** Runs `count` units, at most `concurrency` at a time; each unit's row count must be `expectedRows`. */
async function runMany(one, { concurrency, count, expectedRows }) {
  let started = 0;
  const lane = async () => {
    while (started < count) {
      started++;
      const rows = await one();
      if (rows !== expectedRows) throw new Error(`expected ${expectedRows} rows, got ${rows}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/** Requests per second over `count` units after `warmup` units. */
async function throughput(one, { concurrency, count, warmup, expectedRows }) {
  await runMany(one, { concurrency, count: warmup, expectedRows });
  const start = performance.now();
  await runMany(one, { concurrency, count, expectedRows });
  const ms = performance.now() - start;
  return { count, ms, perSecond: (count * 1000) / ms };
}

/** Duration of each of `runs` sequential units (ms). */
async function durations(one, { runs, expectedRows }) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await runMany(one, { concurrency: 1, count: 1, expectedRows });
    times.push(performance.now() - start);
  }
  return { runs: times, minMs: Math.min(...times), medianMs: median(times) };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The process's peak resident set size in bytes: the kernel's high-water mark (VmHWM) where
 * there is one (Linux), else the largest of the samples `sampleRss` took.
 */
function peakRss(sampled = 0) {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: fall back to the samples.
  }
  return Math.max(sampled, process.memoryUsage().rss);
}

/**
 * Starts a fresh peak: on Linux, writing 5 to clear_refs resets VmHWM to the current RSS, so
 * the peak read later belongs to what ran after this call, not to Node-RED's start-up.
 */
function resetPeakRss() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples RSS every 5 ms (a fallback where VmHWM is missing); stop() returns the largest sample. */
function sampleRss() {
  let largest = process.memoryUsage().rss;
  const timer = setInterval(() => {
    largest = Math.max(largest, process.memoryUsage().rss);
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(largest, process.memoryUsage().rss);
    },
  };
}

module.exports = { throughput, durations, median, peakRss, resetPeakRss, sampleRss };
