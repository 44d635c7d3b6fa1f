/**
 * Certificates for TLS peer tests, made once per test process with EC keys (milliseconds), the
 * private CA, the certificates it signs, and the broken ones a TLS test needs.
 *
 *   const pki = await getTestPki();
 *   const nginx = await startNginx({ tls: { cert: pki.server.cert, key: pki.server.key } });
 *   https.get(nginx.url + '/echo', { ca: pki.ca.cert }, …);
 *
 * - ca:              the private CA
 * - server:          localhost + 127.0.0.1, signed by ca
 * - otherName:       only "api.internal.test", signed by ca (mismatch on 127.0.0.1 unless servername is set)
 * - client:          client certificate, CN "rest-client", O "Rest Connection Tests", signed by ca
 * - clientEncrypted: the same client certificate with its key encrypted (PKCS#8, AES-256-CBC) by `passphrase`
 * - strangerClient:  a client certificate signed by another CA (refused by a server trusting only ca)
 * - expired:         localhost + 127.0.0.1, signed by ca, expired a year ago
 * - selfSigned:      localhost + 127.0.0.1, self-signed (no CA)
 */
import crypto from 'node:crypto';
import selfsigned from 'selfsigned';

export interface CertAndKey {
  cert: string;
  key: string;
}

export interface TestPki {
  ca: CertAndKey;
  server: CertAndKey;
  otherName: CertAndKey;
  client: CertAndKey;
  clientEncrypted: CertAndKey & { passphrase: string };
  strangerClient: CertAndKey;
  expired: CertAndKey;
  selfSigned: CertAndKey;
}

const DAY = 24 * 60 * 60 * 1000;
export const CLIENT_KEY_PASSPHRASE = 'correct horse battery staple';

type AltName = { type: 2; value: string } | { type: 7; ip: string };
const LOOPBACK: AltName[] = [
  { type: 2, value: 'localhost' },
  { type: 7, ip: '127.0.0.1' },
];

async function makeCa(commonName: string): Promise<CertAndKey> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - DAY),
    notAfterDate: new Date(Date.now() + 30 * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function issue(
  ca: CertAndKey | undefined,
  subject: { name: string; value: string }[],
  usage: 'server' | 'client',
  altNames?: AltName[],
  validity = { notBeforeDate: new Date(Date.now() - DAY), notAfterDate: new Date(Date.now() + 30 * DAY) },
): Promise<CertAndKey> {
  const pems = await selfsigned.generate(subject, {
    keyType: 'ec',
    algorithm: 'sha256',
    ...(ca ? { ca: { key: ca.key, cert: ca.cert } } : {}),
    ...validity,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: usage === 'client' },
      ...(altNames ? [{ name: 'subjectAltName' as const, altNames }] : []),
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function generate(): Promise<TestPki> {
  const ca = await makeCa('Rest Connection Peer Test CA');
  const stranger = await makeCa('Some Other CA');
  const clientSubject = [
    { name: 'commonName', value: 'rest-client' },
    { name: 'organizationName', value: 'Rest Connection Tests' },
  ];
  const client = await issue(ca, clientSubject, 'client');
  const encryptedKey = crypto.createPrivateKey(client.key).export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: CLIENT_KEY_PASSPHRASE,
  }) as string;
  return {
    ca,
    server: await issue(ca, [{ name: 'commonName', value: 'localhost' }], 'server', LOOPBACK),
    otherName: await issue(ca, [{ name: 'commonName', value: 'api.internal.test' }], 'server', [
      { type: 2, value: 'api.internal.test' },
    ]),
    client,
    clientEncrypted: { cert: client.cert, key: encryptedKey, passphrase: CLIENT_KEY_PASSPHRASE },
    strangerClient: await issue(stranger, [{ name: 'commonName', value: 'stranger' }], 'client'),
    expired: await issue(ca, [{ name: 'commonName', value: 'localhost' }], 'server', LOOPBACK, {
      notBeforeDate: new Date(Date.now() - 730 * DAY),
      notAfterDate: new Date(Date.now() - 365 * DAY),
    }),
    selfSigned: await issue(undefined, [{ name: 'commonName', value: 'localhost' }], 'server', LOOPBACK),
  };
}

let pki: Promise<TestPki> | undefined;
/** The certificates of this test process (made on the first call, then shared). */
export function getTestPki(): Promise<TestPki> {
  pki ??= generate();
  return pki;
}
