'use strict';
/** The benchmark's table and targets, printed from the results run.js collected. */

const MB = 1024 * 1024;

const LABELS = {
  'small-c1': 'small JSON (20 rows), concurrency 1',
  'small-c32': 'small JSON (20 rows), concurrency 32',
  big: 'one 20 MB response, 100,000 rows',
  pages: '100 pages x 1,000 rows',
  'proxy-c1': 'small JSON via auth proxy, concurrency 1',
  'proxy-c32': 'small JSON via auth proxy, concurrency 32',
  'tls-ca-c32': 'small JSON, HTTPS + private CA, concurrency 32',
  'mtls-c32': 'small JSON, HTTPS + mutual TLS, concurrency 32',
};

/** Throughput is better when higher, durations when lower; a ratio > 1 always means "ours is better". */
function ratio(workload, ours, other) {
  if (!ours || !other) return undefined;
  return ours.perSecond ? ours.perSecond / other.perSecond : other.medianMs / ours.medianMs;
}

function targetsOf(results) {
  const w = results.workloads;
  const targets = [];
  const add = (name, value, goal, meets, shown) =>
    targets.push({ name, value, goal, met: value === undefined ? undefined : meets(value), shown });
  const fmt = (value, unit = 'x') => (value === undefined ? 'n/a' : `${value.toFixed(2)}${unit}`);
  const c32 = w['small-c32'] || {};
  const oursCore = ratio('small-c32', c32.ours, c32.core);
  add('throughput at concurrency 32, ours / core', oursCore, '>= 1.2x', (v) => v >= 1.2, fmt(oursCore));
  const oursGot = ratio('small-c32', c32.ours, c32.got);
  add('throughput at concurrency 32, ours / raw got', oursGot, '>= 0.8x', (v) => v >= 0.8, fmt(oursGot));
  const big = (w.big || {}).ours;
  // JSON.parse timed in the same process right after the runs: same machine load on both sides.
  const extraction = big && big.jsonParseMs ? big.medianMs / big.jsonParseMs : undefined;
  add('100k rows: ours (request to rows) / JSON.parse', extraction, '<= 2x', (v) => v <= 2, fmt(extraction));
  // The target is about one response: the peak growth of the first large response a warmed-up
  // runtime handles. The growth over several back-to-back runs (GC timing included) is in the table.
  const rssRatio =
    big && big.perResponseExtraRss !== undefined ? big.perResponseExtraRss / results.bigResponseBytes : undefined;
  add('100k rows: peak RSS growth of one response / response size', rssRatio, '< 4x', (v) => v < 4, fmt(rssRatio));
  const proxied = w['proxy-c32'] || {};
  const proxyRatio = ratio('proxy-c32', proxied.ours, proxied.core);
  add('through proxy at concurrency 32, ours / core', proxyRatio, '>= 2x', (v) => v >= 2, fmt(proxyRatio));
  for (const [name, label] of [
    ['tls-ca-c32', 'HTTPS + private CA at concurrency 32, ours / core'],
    ['mtls-c32', 'HTTPS + mutual TLS at concurrency 32, ours / core'],
  ]) {
    const measured = w[name] || {};
    const value = ratio(name, measured.ours, measured.core);
    add(label, value, '>= 1.5x', (v) => v >= 1.5, fmt(value));
  }
  return targets;
}

function cell(result) {
  if (!result) return '-';
  if (result.perSecond) return `${Math.round(result.perSecond)} req/s`;
  return `${Math.round(result.medianMs)} ms`;
}

function cpuText(result, name) {
  return name === 'big' || name === 'pages'
    ? `${Math.round(result.cpuMsPerUnit)} ms`
    : `${Math.round(result.cpuMsPerUnit * 1000)} µs`;
}

/** A row of the table: `label`, `format` of each variant's result ('-' where it has none), then the two ratios. */
function variantRow(label, byVariant, format, ratios = ['', '']) {
  const of = (result) => (result ? format(result) : '-');
  return [label, of(byVariant.ours), of(byVariant.core), of(byVariant.got), ...ratios];
}

function printReport(results) {
  const rows = [['workload', 'ours', 'core', 'raw got', 'ours/core', 'ours/got']];
  for (const [name, byVariant] of Object.entries(results.workloads)) {
    const r = (other) => {
      const value = ratio(name, byVariant.ours, byVariant[other]);
      return value === undefined ? '-' : `${value.toFixed(2)}x`;
    };
    rows.push([
      LABELS[name] || name,
      cell(byVariant.ours),
      cell(byVariant.core),
      cell(byVariant.got),
      r('core'),
      r('got'),
    ]);
    // Per unit of work, this process only: steadier than throughput on a shared machine.
    const cpuRatio = (other) =>
      byVariant.ours && byVariant[other]
        ? `${(byVariant[other].cpuMsPerUnit / byVariant.ours.cpuMsPerUnit).toFixed(2)}x`
        : '-';
    const perWhat = name === 'big' || name === 'pages' ? 'run' : 'request';
    rows.push(
      variantRow(`  CPU time per ${perWhat}`, byVariant, (result) => cpuText(result, name), [
        cpuRatio('core'),
        cpuRatio('got'),
      ]),
    );
    if (name === 'big' || name === 'pages') {
      const mem = (result) => `${Math.round(result.peakRss / MB)} MB (+${Math.round(result.extraRss / MB)})`;
      rows.push(variantRow('  peak RSS (growth over idle)', byVariant, mem));
    }
    if (name === 'big') {
      const one = (result) =>
        result.perResponseExtraRss !== undefined ? `+${Math.round(result.perResponseExtraRss / MB)} MB` : '-';
      rows.push(variantRow('  peak RSS growth, first response', byVariant, one));
    }
  }
  const big = results.workloads.big;
  if (big) {
    const parseTime = (result) => (result.jsonParseMs ? `${Math.round(result.jsonParseMs)} ms` : '-');
    rows.push(variantRow('  JSON.parse of the same bytes, same process', big, parseTime));
  }
  const parse = results.reference.jsonParse;
  if (parse) {
    const growth = `+${Math.round(parse.extraRss / MB)} MB`;
    rows.push([`  JSON.parse alone: ${(parse.bytes / MB).toFixed(1)} MB -> peak RSS growth`, growth, '', '', '', '']);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row) =>
    row.map((text, column) => (column === 0 ? text.padEnd(widths[0]) : text.padStart(widths[column]))).join('  ');
  const { environment: env } = results;
  console.log(
    `\nexecute-rest-grid vs core http request + change vs raw got (Node ${env.node}, Node-RED ${env.nodeRed}, ` +
      `${env.cpus} CPUs, scale ${results.scale}, ${results.durationSeconds} s)\n`,
  );
  console.log(line(rows[0]));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
  console.log(
    'ratios > 1 mean ours is better (more requests/s, or less time); times are medians of the runs; ' +
      `best of ${results.roundCount} round(s); load average at the end ${results.loadAverage.map((l) => l.toFixed(1)).join(' ')}`,
  );

  results.targets = targetsOf(results);
  console.log('\ntargets');
  for (const target of results.targets) {
    const verdict = target.met === undefined ? 'not measured' : target.met ? 'met' : 'MISSED';
    console.log(`  ${target.name.padEnd(48)} ${target.shown.padStart(7)}  (goal ${target.goal})  ${verdict}`);
  }
}

module.exports = { printReport, targetsOf };
