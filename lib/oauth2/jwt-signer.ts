/**
 * JWTs a connection signs for RFC 7523: the client assertion of `clientAuth: private_key_jwt`
 * (§2.2) and the assertion of the `jwt_bearer` grant (§2.1). Each token request gets a fresh
 * one: a short expiry and a unique `jti`, so a captured assertion is useless soon and a server
 * that remembers `jti`s refuses a replay. `jose` signs; it is loaded with import() on the first
 * signature, so installs that never use JWTs never load it.
 */
import crypto from 'node:crypto';
import type * as JoseModule from 'jose' with { 'resolution-mode': 'import' };
import { RestError } from '../errors';
import type { JwtAlgorithm } from '../types';

/** Seconds an assertion is valid: enough for clock skew, short enough to be useless when captured. */
const ASSERTION_LIFETIME_S = 120;

const ALGORITHMS: readonly JwtAlgorithm[] = ['RS256', 'PS256', 'ES256'];

export interface JwtSignerSettings {
  /** PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC), unencrypted. */
  privateKey: string;
  algorithm: JwtAlgorithm;
  keyId: string;
}

export interface AssertionClaims {
  iss: string;
  sub: string;
  aud: string;
  /** Extra claims (none by default). */
  extra?: Record<string, string>;
}

let joseModule: Promise<typeof JoseModule> | undefined;

function loadJose(): Promise<typeof JoseModule> {
  joseModule ??= import('jose');
  return joseModule;
}

export class JwtSigner {
  private readonly key: crypto.KeyObject;
  private readonly algorithm: JwtAlgorithm;
  private readonly keyId: string;

  /** Checks the key and algorithm now (ERR_CONFIG), so a bad key fails at deploy, not at the first request. */
  constructor(settings: JwtSignerSettings) {
    this.algorithm = settings.algorithm || 'RS256';
    if (!ALGORITHMS.includes(this.algorithm)) {
      throw new RestError(
        'ERR_CONFIG',
        `Unknown jwtAlgorithm "${String(settings.algorithm)}" (RS256, PS256 or ES256).`,
      );
    }
    if (!settings.privateKey?.trim()) {
      throw new RestError('ERR_CONFIG', 'Signing JWTs needs a private key (jwtPrivateKey, PEM).');
    }
    try {
      this.key = crypto.createPrivateKey({ key: settings.privateKey, format: 'pem' });
    } catch {
      // The reason could quote the key: never shown.
      throw new RestError(
        'ERR_CONFIG',
        'The private key (jwtPrivateKey) is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----).',
      );
    }
    checkKeyFits(this.key, this.algorithm);
    this.keyId = settings.keyId ?? '';
  }

  /** A fresh signed assertion: iat now, exp two minutes later, a random jti. */
  async sign(claims: AssertionClaims): Promise<string> {
    const { SignJWT } = await loadJose();
    const header: JoseModule.JWTHeaderParameters = { alg: this.algorithm, typ: 'JWT' };
    if (this.keyId) header.kid = this.keyId;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims.extra })
      .setProtectedHeader(header)
      .setIssuer(claims.iss)
      .setSubject(claims.sub)
      .setAudience(claims.aud)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_LIFETIME_S)
      .setJti(crypto.randomUUID())
      .sign(this.key);
  }
}

function checkKeyFits(key: crypto.KeyObject, algorithm: JwtAlgorithm): void {
  const type = key.asymmetricKeyType;
  const fits =
    algorithm === 'ES256'
      ? type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
      : type === 'rsa' || (algorithm === 'PS256' && type === 'rsa-pss');
  if (!fits) {
    const wanted = algorithm === 'ES256' ? 'an EC P-256 key' : 'an RSA key';
    throw new RestError(
      'ERR_CONFIG',
      `jwtAlgorithm ${algorithm} needs ${wanted}; the private key (jwtPrivateKey) is ${describeKey(key)}.`,
    );
  }
}

function describeKey(key: crypto.KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `a${key.asymmetricKeyType === 'ec' ? 'n' : ''} ${String(key.asymmetricKeyType).toUpperCase()}${curve ? ` ${curve}` : ''} key`;
}
