/**
 * Durable token store: keeps a connection's current access and (rotated) refresh token in
 * Node-RED's user directory, so they survive a restart. Node-RED cannot persist credentials
 * at runtime (node-red/node-red#1055), so without this a rotated refresh token would be lost
 * and the deployed, now revoked, one sent after the next restart.
 *
 * Encrypted at rest with AES-256-GCM under the key Node-RED derives for flows_cred.json
 * (SHA-256 of the credential secret); written atomically (temporary file, then rename).
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface StoredTokens {
  accessToken?: string;
  refreshToken?: string;
  expiresAt?: number;
  obtainedAt?: number;
  /** Fingerprint of the refreshToken credential deployed when these tokens were derived from it. */
  deployedRefreshTokenHash?: string;
  /** Fingerprint of the endpoint, client and grant: tokens of another configuration are not reused. */
  configurationHash: string;
  savedAt: number;
}

export interface TokenStoreSettings {
  /** Directory of the store files, e.g. `<userDir>/rest-connection-tokens`. */
  directory: string;
  /** Node-RED's credential secret (settings credentialSecret, or the generated _credentialSecret). */
  secret: string;
}

const FORMAT_VERSION = 1;

export function fingerprint(...parts: (string | undefined)[]): string {
  return crypto
    .createHash('sha256')
    .update(parts.map((part) => part ?? '').join('\u0000'))
    .digest('hex');
}

export class DurableTokenStore {
  private readonly key: Buffer;
  private readonly file: string;
  /** Writes run one after the other, so an older write never lands after a newer one. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly settings: TokenStoreSettings,
    connectionId: string,
  ) {
    this.key = crypto.createHash('sha256').update(settings.secret).digest();
    this.file = path.join(settings.directory, `${connectionId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  }

  get location(): string {
    return this.file;
  }

  /** The stored tokens; undefined when there are none. Throws when the file cannot be decrypted. */
  async load(): Promise<StoredTokens | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const envelope = JSON.parse(text) as { version: number; iv: string; tag: string; data: string };
    if (envelope.version !== FORMAT_VERSION) return undefined;
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(envelope.iv, 'hex'));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'hex'));
    const plain = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as StoredTokens;
  }

  save(tokens: StoredTokens): Promise<void> {
    return this.enqueue(async () => {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
      const data = Buffer.concat([cipher.update(JSON.stringify(tokens), 'utf8'), cipher.final()]);
      const envelope = {
        version: FORMAT_VERSION,
        iv: iv.toString('hex'),
        tag: cipher.getAuthTag().toString('hex'),
        data: data.toString('base64'),
      };
      await fs.mkdir(this.settings.directory, { recursive: true, mode: 0o700 });
      const temporary = `${this.file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      try {
        await fs.writeFile(temporary, JSON.stringify(envelope), { mode: 0o600 });
        await fs.rename(temporary, this.file);
      } catch (err) {
        await fs.rm(temporary, { force: true });
        throw err;
      }
    });
  }

  remove(): Promise<void> {
    return this.enqueue(() => fs.rm(this.file, { force: true }));
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }
}
