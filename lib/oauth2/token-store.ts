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
import type { OwnRefreshTokenFingerprints } from './own-refresh-tokens';

export interface StoredTokens extends OwnRefreshTokenFingerprints {
  accessToken?: string;
  refreshToken?: string;
  expiresAt?: number;
  obtainedAt?: number;
  /** The origin read at `instanceUrlPath` with these tokens: API calls go there after a restart too. */
  instanceUrl?: string;
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

/**
 * Pending work per store file, shared by every store object of the process: on a redeploy the
 * closing connection may still write while the new one reads or writes the same file, and
 * each must see the other's result, in the order they asked.
 */
const queues = new Map<string, Promise<void>>();

function enqueue<T>(file: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  queues.set(file, settled);
  // The map only holds files with work pending.
  void settled.then(() => {
    if (queues.get(file) === settled) queues.delete(file);
  });
  return next;
}

export class DurableTokenStore {
  private readonly key: Buffer;
  private readonly file: string;

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

  /**
   * The stored tokens; undefined when there are none. Throws when the file cannot be decrypted.
   * Waits for the writes asked before it, by this or another store object of the same file.
   */
  load(): Promise<StoredTokens | undefined> {
    return enqueue(this.file, () => this.read());
  }

  /** Writes run one after the other, so an older write never lands after a newer one. */
  save(tokens: StoredTokens): Promise<void> {
    return enqueue(this.file, () => this.write(tokens));
  }

  remove(): Promise<void> {
    return enqueue(this.file, () => fs.rm(this.file, { force: true }));
  }

  private async read(): Promise<StoredTokens | undefined> {
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

  private async write(tokens: StoredTokens): Promise<void> {
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
  }
}
