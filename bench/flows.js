'use strict';
/**
 * The Node-RED flows the benchmark deploys. Each flow has two entries that end in the same
 * `sink` (and a catch node that ends in `errors`, so a failure is reported, not waited for):
 *   - `warm`: a small request, to warm up code paths and sockets before measuring;
 *   - `entry`: the measured workload.
 *
 * ours: execute-rest-grid with rowsPath `$.data` (paging nextUrl for the pages workload).
 * core: http request (ret obj, keep-alive on: core's fastest setting) then a change node that
 *   sets msg.payload to msg.payload.data. For the pages workload, core has no paging: a loop of
 *   http request -> change (next URL into msg.url, rows into msg.payload, count pages, drop the
 *   response headers core would otherwise send back) -> switch (msg.url not null: loop again).
 *   Core's loop keeps only the last page's rows, so it does less work than ours (which returns
 *   all 100,000 rows in one message): the comparison favours core.
 * HTTPS workloads: ours trusts the private CA with caCert (and clientCert/clientKey for mutual
 *   TLS); core's http request nodes use a tls-config node with the CA (and client) files.
 */

const TAB = { id: 'bench', type: 'tab', label: 'bench' };

function sinks() {
  return [
    { id: 'sink', type: 'bench-sink', z: 'bench', wires: [] },
    { id: 'catcher', type: 'catch', z: 'bench', scope: null, uncaught: false, wires: [['errors']] },
    { id: 'errors', type: 'bench-sink', z: 'bench', wires: [] },
  ];
}

/** ours: one rest-connection, a warm-up grid node and the measured grid node. */
function oursFlow({ apiUrl, workload, proxy, tls, pki }) {
  const connection = {
    id: 'conn',
    type: 'rest-connection',
    z: 'bench',
    name: 'bench api',
    baseUrl: apiUrl,
    authType: 'none',
    retries: 0,
  };
  if (proxy) {
    Object.assign(connection, { useProxy: true, proxyUrl: proxy.url });
    connection.credentials = { proxyUsername: proxy.username, proxyPassword: proxy.password };
  }
  if (tls) {
    connection.credentials = {
      caCert: pki.ca,
      ...(tls === 'mtls' ? { clientCert: pki.clientCert, clientKey: pki.clientKey } : {}),
    };
  }
  const grid = (id, props) => ({
    id,
    type: 'execute-rest-grid',
    z: 'bench',
    connection: 'conn',
    method: 'GET',
    rowsPath: '$.data',
    wires: [['sink']],
    ...props,
  });
  const measured =
    workload === 'pages'
      ? grid('entry', { path: '/pages', paging: 'nextUrl', nextPath: '$.next', maxPages: 100 })
      : grid('entry', { path: workload === 'big' ? '/big' : '/small' });
  return [TAB, connection, grid('warm', { path: '/small' }), measured, ...sinks()];
}

/** core: http request + change, the way a user extracts rows with core nodes. */
function coreFlow({ apiUrl, workload, proxy, tls, pki }) {
  const flow = [TAB, ...sinks()];
  const request = (id, url, next) => ({
    id,
    type: 'http request',
    z: 'bench',
    method: 'GET',
    ret: 'obj',
    paytoqs: 'ignore',
    url,
    persist: true,
    senderr: true,
    proxy: proxy ? 'proxyConfig' : '',
    tls: tls ? 'tlsConfig' : '',
    wires: [[next]],
  });
  const setRows = (id) => ({
    id,
    type: 'change',
    z: 'bench',
    rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'payload.data', tot: 'msg' }],
    wires: [['sink']],
  });
  if (proxy) {
    flow.push({
      id: 'proxyConfig',
      type: 'http proxy',
      z: 'bench',
      name: 'bench proxy',
      url: proxy.url,
      noproxy: [],
      credentials: { username: proxy.username, password: proxy.password },
    });
  }
  if (tls) {
    // Core's way to trust a private CA (and send a client certificate): a tls-config node with files.
    flow.push({
      id: 'tlsConfig',
      type: 'tls-config',
      z: 'bench',
      name: 'bench tls',
      ca: pki.caPath,
      cert: tls === 'mtls' ? pki.clientCertPath : '',
      key: tls === 'mtls' ? pki.clientKeyPath : '',
      verifyservercert: true,
      servername: '',
      alpnprotocol: '',
    });
  }
  flow.push(request('warm', `${apiUrl}/small`, 'warmRows'), setRows('warmRows'));
  if (workload !== 'pages') {
    flow.push(request('entry', `${apiUrl}/${workload === 'big' ? 'big' : 'small'}`, 'rows'), setRows('rows'));
    return flow;
  }
  // The entry injects msg.url = first page; the loop requests until the API gives no next URL.
  flow.push(request('entry', '', 'nextPage'), {
    id: 'nextPage',
    type: 'change',
    z: 'bench',
    rules: [
      { t: 'set', p: 'url', pt: 'msg', to: 'payload.next', tot: 'msg' },
      { t: 'set', p: 'pages', pt: 'msg', to: '$exists(pages) ? pages + 1 : 1', tot: 'jsonata' },
      { t: 'set', p: 'payload', pt: 'msg', to: 'payload.data', tot: 'msg' },
      { t: 'delete', p: 'headers', pt: 'msg' },
    ],
    wires: [['more']],
  });
  flow.push({
    id: 'more',
    type: 'switch',
    z: 'bench',
    property: 'url',
    propertyType: 'msg',
    rules: [{ t: 'nnull' }, { t: 'else' }],
    checkall: 'false',
    outputs: 2,
    wires: [['entry'], ['sink']],
  });
  return flow;
}

module.exports = { oursFlow, coreFlow };
