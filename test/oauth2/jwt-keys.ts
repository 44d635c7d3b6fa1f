/** Key pairs for the JWT tests, made at test time: PEM private keys as a user pastes them, public JWKs for the peers. */
import crypto from 'node:crypto';

export interface TestKey {
  pem: string;
  publicKey: crypto.KeyObject;
  jwk: crypto.JsonWebKey;
}

function toTestKey(pair: crypto.KeyPairKeyObjectResult, kid: string, pkcs1 = false): TestKey {
  const pem = pkcs1
    ? (pair.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string)
    : (pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  return { pem, publicKey: pair.publicKey, jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}

/** EC P-256 (ES256), PKCS#8. */
export function ecKey(kid = 'ec-1'): TestKey {
  return toTestKey(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }), kid);
}

/** RSA 2048 (RS256, PS256), PKCS#1 ("BEGIN RSA PRIVATE KEY", as Salesforce's openssl guide makes it). */
export function rsaKey(kid = 'rsa-1'): TestKey {
  return toTestKey(crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }), kid, true);
}

/** The forms of a PEM key a leak check looks for: the whole text and its base64 body's longest line. */
export function pemSecrets(pem: string): string[] {
  const body = pem
    .split('\n')
    .filter((line) => line && !line.startsWith('-----'))
    .sort((a, b) => b.length - a.length);
  return [pem, body[0] ?? pem];
}
