'use strict';
/**
 * Certificates for the benchmark's HTTPS workloads, made at start in a temp dir: a private CA,
 * a server certificate it signs for 127.0.0.1 and localhost, and a client certificate it signs
 * (mutual TLS). Files, because core's tls-config node reads a CA file; ours gets the PEM text.
 *
 *   const pki = await makeBenchPki();   // { dir, caPath, certPath, keyPath, clientCertPath, clientKeyPath, ... text }
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const selfsigned = require('selfsigned');

const DAY = 24 * 60 * 60 * 1000;
const validity = () => ({ notBeforeDate: new Date(Date.now() - DAY), notAfterDate: new Date(Date.now() + 30 * DAY) });

async function issue(ca, commonName, usage) {
  const pems = await selfsigned.generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...validity(),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: usage === 'client' },
      ...(usage === 'server'
        ? [
            {
              name: 'subjectAltName',
              altNames: [
                { type: 2, value: 'localhost' },
                { type: 7, ip: '127.0.0.1' },
              ],
            },
          ]
        : []),
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function makeBenchPki() {
  const ca = await selfsigned.generate([{ name: 'commonName', value: 'Bench Private CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...validity(),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await issue(ca, 'localhost', 'server');
  const client = await issue(ca, 'bench-client', 'client');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-bench-pki-'));
  const write = (name, text) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text, { mode: 0o600 });
    return file;
  };
  return {
    dir,
    ca: ca.cert,
    caPath: write('ca.pem', ca.cert),
    certPath: write('server.pem', server.cert),
    keyPath: write('server-key.pem', server.key),
    clientCert: client.cert,
    clientKey: client.key,
    clientCertPath: write('client.pem', client.cert),
    clientKeyPath: write('client-key.pem', client.key),
  };
}

module.exports = { makeBenchPki };
