/**
 * The connection's TLS settings as Node.js TLS options, checked up front: a PEM that does not
 * parse, a wrong passphrase or an unreadable file fails when the connection is created
 * (RestError ERR_TLS), not on its first request. Messages name the setting (and the file),
 * never the PEM text or the passphrase.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { RestError } from '../errors';
import type { TransportSettings } from './settings';

export interface TlsConfig {
  /**
   * Options for every TLS connection to a server (merged into the https agents): whether to
   * verify, and the connection's one secure context (trust, client certificate, versions).
   */
  serverOptions: tls.ConnectionOptions;
  /** Options for the TLS connection to an https:// proxy: trust and version, no client certificate. */
  proxyOptions: tls.ConnectionOptions;
  /** The name checked in (and sent as SNI to) the server, when tlsServerName is set. */
  serverName?: string;
  verify: boolean;
}

const MIN_VERSIONS: Record<string, tls.SecureVersion | undefined> = {
  default: undefined,
  TLSv1: 'TLSv1',
  'TLSv1.1': 'TLSv1.1',
  'TLSv1.2': 'TLSv1.2',
  'TLSv1.3': 'TLSv1.3',
};

/**
 * OpenSSL 3 refuses TLS 1.0/1.1 at its default security level (their handshakes sign with SHA-1),
 * so a user who explicitly accepts them also gets the security level that lets them work.
 */
const LEGACY_CIPHERS = 'DEFAULT:@SECLEVEL=0';

/**
 * Throws RestError ERR_CONFIG (tlsMinVersion) or ERR_TLS (certificates, key, files).
 *
 * The trust store, client certificate and versions become one TLS secure context, built here
 * once per connection and handed to the agents as `secureContext`. Given as `ca`/`cert`/`key`
 * options instead, Node.js would write them into the agent's pool key on every request (with a
 * private CA that is ~145 PEMs, 200+ KB) and parse them again for every new socket.
 */
export function buildTlsConfig(settings: TransportSettings): TlsConfig {
  const minVersion = minVersionOf(settings.tlsMinVersion);
  const verify = settings.tlsVerify !== false;
  const common: tls.SecureContextOptions = {};
  if (minVersion) common.minVersion = minVersion;
  if (minVersion === 'TLSv1' || minVersion === 'TLSv1.1') common.ciphers = LEGACY_CIPHERS;

  const ca = readPem(settings.caCert, 'caCert', settings.caCertPath, 'caCertPath');
  if (ca) {
    checkCertificates(ca);
    // Added to Node's own roots, so public sites still verify through the same agents.
    common.ca = [...tls.rootCertificates, ca.text];
  }

  const cert = readPem(settings.clientCert, 'clientCert', settings.clientCertPath, 'clientCertPath');
  const key = readPem(settings.clientKey, 'clientKey', settings.clientKeyPath, 'clientKeyPath');
  if (cert && !key)
    throw new RestError('ERR_TLS', `${cert.source} is set but no client key: set clientKey or clientKeyPath`);
  if (key && !cert)
    throw new RestError('ERR_TLS', `${key.source} is set but no client certificate: set clientCert or clientCertPath`);
  const proxyContext = tls.createSecureContext(common);
  let serverContext = proxyContext;
  if (cert && key) {
    checkCertificates(cert);
    const passphrase = settings.passphrase || undefined;
    checkPrivateKey(key, passphrase);
    serverContext = clientCertificateContext({ ...common, cert: cert.text, key: key.text, passphrase }, cert, key);
  }
  const pfx = readPfx(settings.pfx, settings.pfxPath);
  if (pfx) {
    if (cert || key) {
      throw new RestError(
        'ERR_TLS',
        `${pfx.source} and a PEM client certificate (${(cert ?? key)!.source}) are both set: use one of them`,
      );
    }
    serverContext = pfxContext({ ...common, pfx: pfx.data, passphrase: settings.passphrase || undefined }, pfx.source);
  }

  const serverName = settings.tlsServerName?.trim() || undefined;
  return {
    serverOptions: { rejectUnauthorized: verify, secureContext: serverContext },
    proxyOptions: { rejectUnauthorized: verify, secureContext: proxyContext },
    serverName,
    verify,
  };
}

/** Options that make a connection send `serverName` as SNI and verify the certificate against it. */
export function serverNameOptions(serverName: string): tls.ConnectionOptions {
  return {
    // Node warns when SNI is set to an IP address (RFC 6066 forbids it); the check still applies.
    ...(net.isIP(serverName) ? {} : { servername: serverName }),
    checkServerIdentity: (_host, cert) => tls.checkServerIdentity(serverName, cert),
  };
}

function minVersionOf(setting: string | undefined): tls.SecureVersion | undefined {
  if (!setting) return undefined;
  if (setting in MIN_VERSIONS) return MIN_VERSIONS[setting];
  if (/^SSLv?[23]/i.test(setting)) {
    throw new RestError(
      'ERR_CONFIG',
      `tlsMinVersion ${setting} is not available: Node.js has no SSL 3 (it is insecure and removed from OpenSSL). Choose TLSv1.2 or default`,
    );
  }
  throw new RestError('ERR_CONFIG', `tlsMinVersion "${setting}" is not one of ${Object.keys(MIN_VERSIONS).join(', ')}`);
}

interface Pem {
  text: string;
  /** How to name it in a message: the setting, and the file for a path setting. */
  source: string;
}

/** The credential's PEM text, or else the file at the path setting; undefined when both are empty. */
function readPem(
  credential: string | undefined,
  credentialName: string,
  path: string | undefined,
  pathName: string,
): Pem | undefined {
  if (credential?.trim()) return { text: credential, source: credentialName };
  const file = path?.trim();
  if (!file) return undefined;
  const source = `${pathName} (${file})`;
  try {
    return { text: fs.readFileSync(file, 'utf8'), source };
  } catch (err) {
    throw new RestError('ERR_TLS', `${pathName}: cannot read ${file} (${describeFileError(err)})`, { cause: err });
  }
}

function describeFileError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: the Node-RED user cannot read it';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return code ?? 'unreadable';
  }
}

/** The PKCS#12 bytes: the base64 credential, or else the file at pfxPath; undefined when both are empty. */
function readPfx(
  credential: string | undefined,
  path: string | undefined,
): { data: Buffer; source: string } | undefined {
  const base64 = credential?.replace(/\s+/g, '');
  if (base64) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
      throw new RestError('ERR_TLS', 'pfx is not base64: paste the .p12/.pfx file base64-encoded, or upload the file');
    }
    return { data: Buffer.from(base64, 'base64'), source: 'pfx' };
  }
  const file = path?.trim();
  if (!file) return undefined;
  try {
    return { data: fs.readFileSync(file), source: `pfxPath (${file})` };
  } catch (err) {
    throw new RestError('ERR_TLS', `pfxPath: cannot read ${file} (${describeFileError(err)})`, { cause: err });
  }
}

/** The secure context with the PKCS#12 file, built once: a wrong passphrase or a damaged file fails when the connection starts. */
function pfxContext(options: tls.SecureContextOptions, source: string): tls.SecureContext {
  try {
    return tls.createSecureContext(options);
  } catch (err) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : '';
    if (/mac verify failure/i.test(text)) {
      throw new RestError(
        'ERR_TLS',
        options.passphrase
          ? `The passphrase does not open ${source} (mac verify failure): check the passphrase`
          : `${source} is protected by a password: enter it as the passphrase`,
      );
    }
    if (code === 'ERR_CRYPTO_UNSUPPORTED_OPERATION') {
      throw new RestError(
        'ERR_TLS',
        `${source} uses a legacy encryption (RC2/3DES) that OpenSSL 3 no longer reads: export it again with AES, e.g. openssl pkcs12 -export -keypbe AES-256-CBC -certpbe AES-256-CBC`,
      );
    }
    if (/wrong tag|not enough data|header too long|asn1|too long/i.test(text)) {
      throw new RestError('ERR_TLS', `${source} is not a PKCS#12 (.p12/.pfx) file (${text})`);
    }
    throw new RestError('ERR_TLS', `${source} is not usable (${opensslReason(err)})`);
  }
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function checkCertificates(pem: Pem): void {
  const blocks = pem.text.match(CERTIFICATE_BLOCK);
  if (!blocks) {
    throw new RestError(
      'ERR_TLS',
      `${pem.source} is not a PEM certificate: expected text starting with -----BEGIN CERTIFICATE-----`,
    );
  }
  blocks.forEach((block, index) => {
    try {
      new crypto.X509Certificate(block);
    } catch {
      const which = blocks.length > 1 ? `certificate ${index + 1} of ${pem.source}` : pem.source;
      throw new RestError('ERR_TLS', `${which} is damaged: the PEM text does not decode to a certificate`);
    }
  });
}

function checkPrivateKey(pem: Pem, passphrase: string | undefined): void {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem.text)) {
    throw new RestError(
      'ERR_TLS',
      `${pem.source} is not a PEM private key: expected text starting with -----BEGIN PRIVATE KEY-----`,
    );
  }
  if (!passphrase && /ENCRYPTED/.test(pem.text)) {
    throw new RestError('ERR_TLS', `${pem.source} is encrypted: enter its passphrase`);
  }
  try {
    crypto.createPrivateKey({ key: pem.text, format: 'pem', passphrase });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MISSING_PASSPHRASE') {
      throw new RestError('ERR_TLS', `${pem.source} is encrypted: enter its passphrase`);
    }
    if (code === 'ERR_OSSL_BAD_DECRYPT') {
      throw new RestError(
        'ERR_TLS',
        `The passphrase does not decrypt ${pem.source} (bad decrypt): check the passphrase`,
      );
    }
    throw new RestError('ERR_TLS', `${pem.source} is not a usable private key (${opensslReason(err)})`);
  }
}

/** The secure context with the client certificate; ERR_TLS when the key is not the certificate's. */
function clientCertificateContext(options: tls.SecureContextOptions, cert: Pem, key: Pem): tls.SecureContext {
  try {
    return tls.createSecureContext(options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') {
      throw new RestError(
        'ERR_TLS',
        `${key.source} is not the key of ${cert.source}: the key and certificate do not match`,
      );
    }
    throw new RestError('ERR_TLS', `The client certificate and key are not usable (${opensslReason(err)})`);
  }
}

/** OpenSSL's short reason ("bad decrypt"): never contains key material. */
function opensslReason(err: unknown): string {
  const { reason, code } = err as { reason?: unknown; code?: unknown };
  if (typeof reason === 'string' && reason) return reason;
  return typeof code === 'string' ? code : 'unknown error';
}
