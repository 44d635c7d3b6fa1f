'use strict';
/**
 * Test certificates, generated once per test run (EC keys, so it takes milliseconds):
 * a private CA and certificates it signs, plus the broken ones a TLS test needs.
 *
 *   const { getCerts, writeTempFile } = require('./support/certs');
 *   const certs = await getCerts();
 *   https.createServer({ key: certs.server.key, cert: certs.server.cert }, ...)
 *
 * - ca:              the private CA ({cert, key})
 * - server:          localhost + 127.0.0.1, signed by ca
 * - otherName:       only "api.internal.test", signed by ca (hostname mismatch on 127.0.0.1)
 * - expired:         localhost + 127.0.0.1, signed by ca, expired a year ago
 * - selfSigned:      localhost + 127.0.0.1, self-signed (no CA)
 * - client:          client certificate (CN "rest-client"), signed by ca
 * - clientEncrypted: the same client certificate with its key encrypted by `passphrase`
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const selfsigned = require('selfsigned');

const DAY = 24 * 60 * 60 * 1000;
const CLIENT_KEY_PASSPHRASE = 'correct horse battery staple';
const LOOPBACK_NAMES = [
  { type: 2, value: 'localhost' },
  { type: 7, ip: '127.0.0.1' },
];

function leafExtensions(altNames, usage) {
  return [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', ...usage },
    ...(altNames ? [{ name: 'subjectAltName', altNames }] : []),
  ];
}

async function issue(commonName, { ca, altNames, usage = { serverAuth: true }, notBeforeDate, notAfterDate }) {
  const pems = await selfsigned.generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: ca ? { key: ca.key, cert: ca.cert } : undefined,
    notBeforeDate: notBeforeDate || new Date(Date.now() - DAY),
    notAfterDate: notAfterDate || new Date(Date.now() + 30 * DAY),
    extensions: leafExtensions(altNames, usage),
  });
  return { cert: pems.cert, key: pems.private };
}

async function generateCerts() {
  const caPems = await selfsigned.generate([{ name: 'commonName', value: 'Rest Connection Test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - DAY),
    notAfterDate: new Date(Date.now() + 30 * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const ca = { cert: caPems.cert, key: caPems.private };
  const client = await issue('rest-client', { ca, usage: { clientAuth: true } });
  const encryptedKey = crypto.createPrivateKey(client.key).export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: CLIENT_KEY_PASSPHRASE,
  });
  return {
    ca,
    server: await issue('localhost', { ca, altNames: LOOPBACK_NAMES }),
    otherName: await issue('api.internal.test', { ca, altNames: [{ type: 2, value: 'api.internal.test' }] }),
    expired: await issue('localhost', {
      ca,
      altNames: LOOPBACK_NAMES,
      notBeforeDate: new Date(Date.now() - 730 * DAY),
      notAfterDate: new Date(Date.now() - 365 * DAY),
    }),
    selfSigned: await issue('localhost', { altNames: LOOPBACK_NAMES }),
    client,
    clientEncrypted: { cert: client.cert, key: encryptedKey, passphrase: CLIENT_KEY_PASSPHRASE },
  };
}

let generated;
/** The certificates of this test run (generated on first call, then shared). */
function getCerts() {
  if (!generated) generated = generateCerts();
  return generated;
}

const tempDirs = [];
/** Writes `text` to a new file in a private temporary directory and returns its path. */
function writeTempFile(name, text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-connection-test-'));
  tempDirs.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** Removes every file writeTempFile created. */
function removeTempFiles() {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

module.exports = { getCerts, writeTempFile, removeTempFiles, CLIENT_KEY_PASSPHRASE };
