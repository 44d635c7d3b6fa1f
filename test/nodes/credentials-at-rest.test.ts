/**
 * Secrets are Node-RED credentials: a real Node-RED (own process, own user dir, a
 * credentialSecret) saves a deployed connection; flows_cred.json must hold no plaintext
 * secret, flows.json none at all, the editor gets no password-type value back, and the
 * same runtime decrypts them again after a restart (the request carries the token).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { installPackage, startEditorServer } from '../support/editor/node-red-editor';
import { json, startApi, type LoopbackServer } from '../support/loopback-server';
import { createPeerDir, removePeerDir } from '../support/peers/peer-dir';
import { assertNoSecret } from '../support/secret-scan';

type NodeRed = Awaited<ReturnType<typeof startEditorServer>>;
/** flows_cred.json with a credentialSecret: one encrypted blob. */
type StoredCredentials = { $?: string };

// PEM material is encrypted the same way; it is left out here because a made-up key fails TLS set-up.
const SECRETS: Record<string, string> & { token: string } = {
  username: 'flow-user',
  password: 'basic-password-value',
  token: 'bearer-token-value',
  apiKey: 'api-key-value',
  clientSecret: 'client-secret-value',
  refreshToken: 'refresh-token-value',
  accessToken: 'access-token-value',
  proxyPassword: 'proxy-password-value',
};
const PASSWORD_TYPES = Object.keys(SECRETS).filter((name) => !['username'].includes(name));

/** Node-RED's own scheme: aes-256-ctr, key sha256(secret), a 16-byte IV as 32 hex chars in front. */
function decryptCredentials(secret: string, blob: string): Record<string, unknown> {
  const key = crypto.createHash('sha256').update(secret).digest();
  const iv = Buffer.from(blob.substring(0, 32), 'hex');
  const decipher = crypto.createDecipheriv('aes-256-ctr', key, iv);
  return JSON.parse(decipher.update(blob.substring(32), 'base64', 'utf8') + decipher.final('utf8')) as Record<
    string,
    unknown
  >;
}

describe('credentials at rest', function () {
  this.timeout(60000);
  let userDir: string;
  let server: NodeRed | undefined;
  let api: LoopbackServer;

  before(async () => {
    api = await startApi({ 'GET /me': (req, res) => json(res, 200, { auth: req.headers.authorization ?? null }) });
    userDir = createPeerDir('creds');
    installPackage(userDir);
    server = await startEditorServer(userDir);
  });
  after(async () => {
    if (server) await server.stop();
    if (api) await api.close();
    removePeerDir(userDir);
  });

  async function admin(method: string, url: string, body?: object): Promise<unknown> {
    const response = await fetch(new URL(url, server!.url), {
      method,
      headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2' },
      body: body && JSON.stringify(body),
    });
    assert.ok(response.ok, `${method} ${url}: HTTP ${response.status}`);
    return response.json();
  }

  it('stores every secret encrypted in flows_cred.json and never in flows.json', async () => {
    await admin('POST', '/flows', {
      flows: [
        { id: 'tab1', type: 'tab', label: 'creds' },
        {
          id: 'conn1',
          type: 'rest-connection',
          name: 'api',
          baseUrl: api.url,
          authType: 'bearer',
          credentials: SECRETS,
        },
        {
          id: 'inj1',
          type: 'inject',
          z: 'tab1',
          props: [],
          repeat: '',
          once: true,
          onceDelay: 0.1,
          wires: [['grid1']],
        },
        {
          id: 'grid1',
          type: 'execute-rest-scalar',
          z: 'tab1',
          connection: 'conn1',
          method: 'GET',
          path: '/me',
          wires: [],
        },
      ],
    });
    const credFile = path.join(userDir, 'flows_cred.json');
    const flowsFile = path.join(userDir, 'flows.json');
    const stored = JSON.parse(fs.readFileSync(credFile, 'utf8')) as StoredCredentials;
    const flowsText = fs.readFileSync(flowsFile, 'utf8');
    const credText = JSON.stringify(stored);
    const secrets = Object.values(SECRETS);
    assertNoSecret(credText, secrets, { users: [SECRETS.username!] });
    assertNoSecret(flowsText, secrets, { users: [SECRETS.username!] });
    assert.ok(stored.$, 'the credentials file is one encrypted blob');
    const decrypted = decryptCredentials('editor-test-secret', stored.$);
    assert.deepEqual(decrypted.conn1, SECRETS);
  });

  it('sends no password-type credential back to the editor', async () => {
    const creds = (await admin('GET', '/credentials/rest-connection/conn1')) as Record<string, unknown>;
    assert.equal(creds.username, 'flow-user', 'text credentials are shown');
    for (const name of PASSWORD_TYPES) {
      assert.equal(creds[name], undefined, `${name} value is not returned`);
      assert.equal(creds[`has_${name}`], true, `the editor only learns that ${name} is set`);
    }
  });

  it('after a restart the runtime decrypts the credentials and uses them', async () => {
    const before = api.requests.length;
    await server!.stop();
    server = await startEditorServer(userDir);
    // The inject node fires once at start: the request must carry the decrypted token.
    const deadline = Date.now() + 10000;
    while (api.requests.length === before && Date.now() < deadline) await new Promise<void>((r) => setTimeout(r, 100));
    assert.equal(api.requests.length, before + 1);
    assert.equal(api.requests.at(-1)?.headers.authorization, `Bearer ${SECRETS.token}`);
  });
});
