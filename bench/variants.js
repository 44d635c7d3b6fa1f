'use strict';
/**
 * The three ways of running a workload, behind one interface:
 *   const driver = await startVariant('ours' | 'core' | 'got', { apiUrl, workload, proxy });
 *   await driver.warm();            // one small request
 *   const rows = await driver.one(); // one unit of the workload; resolves with its row count
 *   await driver.close();
 * A row count that is not the expected one fails the run: the variants must do the same work.
 */
const http = require('node:http');
const https = require('node:https');
const { HttpProxyAgent } = require('hpagent');
const { startNodeRed } = require('./node-red-runtime');
const { oursFlow, coreFlow } = require('./flows');

async function startVariant(variant, options) {
  if (variant === 'ours')
    return nodeRedDriver(
      oursFlow(options),
      () => ({}),
      (msg) => msg.rowCount,
    );
  if (variant === 'core') {
    const pages = options.workload === 'pages';
    return nodeRedDriver(
      coreFlow(options),
      () => (pages ? { url: `${options.apiUrl}/pages?page=1` } : {}),
      // Core's page loop keeps the last page only: count its pages' rows instead.
      (msg) => (pages ? msg.pages * msg.payload.length : msg.payload.length),
    );
  }
  if (variant === 'got') return gotDriver(options);
  throw new Error(`unknown variant ${variant}`);
}

/** Injects messages into a deployed flow and resolves each when it reaches the sink. */
async function nodeRedDriver(flow, entryMessage, rowCount) {
  const red = await startNodeRed();
  await red.deploy(flow);
  const pending = new Map();
  let lastId = 0;
  red.onSink((sinkId, msg) => {
    const waiter = pending.get(msg.benchId);
    if (!waiter) return;
    pending.delete(msg.benchId);
    if (sinkId === 'errors') waiter.reject(new Error(`flow failed: ${msg.error && msg.error.message}`));
    else waiter.resolve(msg);
  });
  const send = (entry, msg) =>
    new Promise((resolve, reject) => {
      const benchId = ++lastId;
      pending.set(benchId, { resolve, reject });
      red.inject(entry, { ...msg, benchId });
    });
  return {
    warm: () => send('warm', {}),
    one: () => send('entry', entryMessage()).then(rowCount),
    close: () => red.stop(),
  };
}

/** The ceiling: got with a keep-alive agent (through hpagent's keep-alive proxy agent for the proxy workload). */
async function gotDriver({ apiUrl, workload, proxy, tls, pki }) {
  const { got } = await import('got');
  let agent;
  // Only the private CA (and the client certificate): the least TLS work a client can do.
  const httpsAgent = tls
    ? new https.Agent({
        keepAlive: true,
        ca: pki.ca,
        ...(tls === 'mtls' ? { cert: pki.clientCert, key: pki.clientKey } : {}),
      })
    : undefined;
  if (proxy) {
    const proxyUrl = new URL(proxy.url);
    proxyUrl.username = proxy.username;
    proxyUrl.password = proxy.password;
    agent = new HttpProxyAgent({ keepAlive: true, maxSockets: 256, proxy: proxyUrl.href });
  } else {
    agent = new http.Agent({ keepAlive: true });
  }
  const client = got.extend({ agent: { http: agent, https: httpsAgent }, retry: { limit: 0 }, responseType: 'json' });
  const rowsOf = async (url) => (await client(url)).body.data;
  const pages = async () => {
    const rows = [];
    for (let url = `${apiUrl}/pages?page=1`; url;) {
      const { body } = await client(url);
      for (const row of body.data) rows.push(row);
      url = body.next;
    }
    return rows;
  };
  const one =
    workload === 'pages'
      ? () => pages().then((rows) => rows.length)
      : () => rowsOf(`${apiUrl}/${workload === 'big' ? 'big' : 'small'}`).then((rows) => rows.length);
  return {
    warm: () => rowsOf(`${apiUrl}/small`),
    one,
    close: async () => {
      agent.destroy();
      httpsAgent?.destroy();
    },
  };
}

module.exports = { startVariant };
