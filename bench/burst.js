'use strict';
/**
 * The burst workload: 1,000 messages arrive at once. Node-RED's http request node sends them all
 * at once (about 1,000 sockets to the API); a connection with maxConcurrent sends that many at a
 * time over as many kept-alive sockets. The API here (in the job's process: what is measured is
 * what reaches it, not speed) holds each answer `holdMs`, so requests pile up as at a real API, and
 * counts the sockets opened and the requests in flight at once.
 *
 *   { kind: 'burst', variant: 'ours' | 'core', count: 1000, maxConcurrent: 10, holdMs: 20 }
 */
const http = require('node:http');
const { startNodeRed } = require('./node-red-runtime');

function startCountingApi(holdMs) {
  const stats = { sockets: 0, inFlight: 0, maxInFlight: 0, requests: 0 };
  const server = http.createServer((req, res) => {
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    setTimeout(() => {
      stats.inFlight--;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[{"id":1}]}');
    }, holdMs);
  });
  server.on('connection', () => stats.sockets++);
  // The API lets many clients connect at once, as a real one behind a load balancer does.
  server.maxConnections = 0;
  return new Promise((resolve) =>
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        stats,
        close: () => {
          server.closeAllConnections();
          return new Promise((done) => server.close(done));
        },
      }),
    ),
  );
}

function burstFlow(variant, apiUrl, maxConcurrent) {
  const tab = { id: 'bench', type: 'tab', label: 'burst' };
  const sinks = [
    { id: 'sink', type: 'bench-sink', z: 'bench', wires: [] },
    { id: 'catcher', type: 'catch', z: 'bench', scope: null, uncaught: false, wires: [['errors']] },
    { id: 'errors', type: 'bench-sink', z: 'bench', wires: [] },
  ];
  if (variant === 'ours') {
    return [
      tab,
      {
        id: 'conn',
        type: 'rest-connection',
        z: 'bench',
        name: 'burst api',
        baseUrl: apiUrl,
        authType: 'none',
        retries: 0,
        maxConcurrent,
        maxQueued: 100000,
      },
      {
        id: 'entry',
        type: 'execute-rest-grid',
        z: 'bench',
        connection: 'conn',
        method: 'GET',
        path: '/burst',
        rowsPath: '$.data',
        wires: [['sink']],
      },
      ...sinks,
    ];
  }
  return [
    tab,
    {
      id: 'entry',
      type: 'http request',
      z: 'bench',
      method: 'GET',
      ret: 'obj',
      paytoqs: 'ignore',
      url: `${apiUrl}/burst`,
      persist: true,
      senderr: true,
      wires: [['sink']],
    },
    ...sinks,
  ];
}

async function runBurst({ variant, count = 1000, maxConcurrent = 10, holdMs = 20 }) {
  const api = await startCountingApi(holdMs);
  const red = await startNodeRed();
  try {
    await red.deploy(burstFlow(variant, api.url, maxConcurrent));
    let done = 0;
    let failed = 0;
    let firstError;
    const finished = new Promise((resolve) => {
      red.onSink((sinkId, msg) => {
        if (sinkId === 'errors') {
          failed++;
          firstError ??= msg.error && msg.error.message;
        }
        if (++done === count) resolve();
      });
    });
    const start = performance.now();
    for (let i = 0; i < count; i++) red.inject('entry', { payload: i });
    await finished;
    const ms = performance.now() - start;
    return {
      variant,
      count,
      maxConcurrent: variant === 'ours' ? maxConcurrent : undefined,
      failed,
      firstError,
      socketsOpened: api.stats.sockets,
      maxInFlightAtApi: api.stats.maxInFlight,
      requestsAtApi: api.stats.requests,
      totalMs: Math.round(ms),
    };
  } finally {
    await red.stop();
    await api.close();
  }
}

module.exports = { runBurst };
