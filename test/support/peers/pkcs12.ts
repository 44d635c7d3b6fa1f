/**
 * A PKCS#12 (.p12) file made at test time with the openssl CLI from a certificate and its key,
 * AES-256 encrypted as OpenSSL 3 does by default, in a peer temp dir removed at exit.
 *
 *   const p12 = makePkcs12(pki.client, 'p12-password');
 *   p12.base64;   // the pfx credential
 *   p12.path;     // for pfxPath
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createPeerDir, writePeerFile } from './peer-dir';
import type { CertAndKey } from './tls-material';

export interface Pkcs12File {
  path: string;
  base64: string;
}

export function makePkcs12(pair: CertAndKey, password: string): Pkcs12File {
  const dir = createPeerDir('pkcs12');
  const file = path.join(dir, 'client.p12');
  execFileSync(
    'openssl',
    [
      'pkcs12',
      '-export',
      '-in',
      writePeerFile(dir, 'client.crt', pair.cert),
      '-inkey',
      writePeerFile(dir, 'client.key', pair.key),
      '-out',
      file,
      '-passout',
      'env:P12_PASSWORD',
    ],
    { env: { ...process.env, P12_PASSWORD: password }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { path: file, base64: fs.readFileSync(file).toString('base64') };
}
