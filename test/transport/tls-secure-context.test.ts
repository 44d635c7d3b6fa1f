/**
 * HTTPS with a private CA and mutual TLS against a loopback server whose certificate comes from a
 * CA made at test time: caCert is trusted, its absence is ERR_TLS, a client certificate reaches
 * the server, OAuth2 token requests use the same TLS; and the connection's TLS settings become
 * ONE secure context, built when the connection is created, not per socket: Node.js would otherwise stringify the whole CA list
 * (Node's roots + caCert) into the agent's pool key on every request and parse it for every socket.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { connectionDefaults } from '../../lib/definitions';
import { RestError } from '../../lib/errors';
import { RestClient } from '../../lib/http/rest-client';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import { getTestPki, type TestPki } from '../support/peers/tls-material';

interface Api {
  url: string;
  connections: number;
  close(): Promise<void>;
}

/** Answers who the client was; `Connection: close` makes every request open a new socket (and TLS session). */
async function startApi(pki: TestPki): Promise<Api> {
  const server = https.createServer({
    cert: pki.server.cert,
    key: pki.server.key,
    ca: pki.ca.cert,
    requestCert: true,
    rejectUnauthorized: false,
  });
  const api = { connections: 0 };
  server.on('secureConnection', () => api.connections++);
  server.on('request', (req, res) => {
    const socket = req.socket as tls.TLSSocket;
    const peer = socket.getPeerCertificate();
    const client = socket.authorized ? (peer?.subject?.CN ?? null) : null;
    // The token endpoint issues a token naming the client certificate it saw (none: refused).
    const body =
      req.url === '/token'
        ? { access_token: `token-of-${String(client)}`, token_type: 'Bearer', expires_in: 3600 }
        : {
            authorized: socket.authorized,
            client: peer?.subject?.CN ?? null,
            authorization: req.headers.authorization,
          };
    req.resume();
    res.writeHead(req.url === '/token' && !client ? 401 : 200, {
      'content-type': 'application/json',
      connection: 'close',
    });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(api, {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

describe('transport: HTTPS with a private CA and mutual TLS', function () {
  let pki: TestPki;
  let api: Api;
  const clients: RestClient[] = [];

  before(async () => {
    pki = await getTestPki();
    api = await startApi(pki);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  after(() => api.close());

  async function client(credentials: ConnectionCredentials, props: Partial<ConnectionProperties> = {}) {
    const created = await RestClient.create(
      { ...connectionDefaults, baseUrl: api.url, retries: 0, timeout: 10000, ...props },
      credentials,
    );
    clients.push(created);
    return created;
  }

  /** Client credentials against the token endpoint of the same server, over mutual TLS. */
  function mutualOAuth2Client() {
    return client(
      {
        caCert: pki.ca.cert,
        clientCert: pki.client.cert,
        clientKey: pki.client.key,
        clientId: 'id',
        clientSecret: 's',
      },
      { authType: 'oauth2', oauth2Grant: 'client_credentials', tokenUrl: `${api.url}/token` },
    );
  }

  type Who = { authorized: boolean; client: string | null; authorization?: string };
  async function who(created: RestClient): Promise<Who> {
    const response = await created.request({ method: 'GET', path: '/who' });
    assert.equal(response.statusCode, 200);
    return JSON.parse(response.body.toString('utf8')) as Who;
  }

  it("adds the CA to Node's public roots instead of replacing them", async () => {
    // What the connection's one secure context is built from is the CA list: watch it being built.
    const original = tls.createSecureContext;
    const built: (tls.SecureContextOptions | undefined)[] = [];
    (tls as { createSecureContext: typeof tls.createSecureContext }).createSecureContext = (options) => {
      built.push(options);
      return original(options);
    };
    try {
      await client({ caCert: pki.ca.cert });
    } finally {
      (tls as { createSecureContext: typeof tls.createSecureContext }).createSecureContext = original;
    }
    assert.ok(built.length > 0, 'a secure context was built when the connection was created');
    for (const options of built) {
      const ca = options?.ca as string[];
      assert.equal(ca.length, tls.rootCertificates.length + 1);
      assert.equal(ca.at(-1), pki.ca.cert);
    }
  });

  it('without caCert the request fails with ERR_TLS: the certificate is not trusted', async () => {
    const created = await client({});
    await assert.rejects(created.request({ method: 'GET', path: '/who' }), (err: unknown) => {
      assert.ok(err instanceof RestError, String(err));
      assert.equal(err.code, 'ERR_TLS');
      assert.match(err.message, /not trusted.*caCert/s);
      return true;
    });
  });

  it('sends the client certificate (mutual TLS), also with an encrypted key and its passphrase', async () => {
    const plain = await client({ caCert: pki.ca.cert, clientCert: pki.client.cert, clientKey: pki.client.key });
    assert.deepEqual(await who(plain), { authorized: true, client: 'rest-client' });
    const encrypted = await client({
      caCert: pki.ca.cert,
      clientCert: pki.clientEncrypted.cert,
      clientKey: pki.clientEncrypted.key,
      passphrase: pki.clientEncrypted.passphrase,
    });
    assert.deepEqual(await who(encrypted), { authorized: true, client: 'rest-client' });
  });

  it('keeps verifying the host name against tlsServerName through the secure context', async () => {
    const created = await client({ caCert: pki.ca.cert }, { tlsServerName: 'api.internal.test' });
    await assert.rejects(created.request({ method: 'GET', path: '/who' }), (err: unknown) => {
      assert.ok(err instanceof RestError, String(err));
      assert.equal(err.code, 'ERR_TLS');
      assert.match(err.message, /api\.internal\.test/);
      return true;
    });
  });

  it('the agents carry one secure context, no CA list, so a request costs the same whatever caCert holds', async () => {
    const created = await client({ caCert: pki.ca.cert, clientCert: pki.client.cert, clientKey: pki.client.key });
    const agent = created.transport.agentsFor(new URL(api.url)).https;
    const options = (agent as https.Agent & { options: tls.ConnectionOptions }).options;
    assert.ok(options.secureContext, 'the https agent has a secureContext');
    assert.equal(options.ca, undefined, 'the https agent options hold no CA list');
    assert.equal(options.cert, undefined);
    assert.equal(options.key, undefined);
  });

  it('OAuth2 token requests go through the same agents: private CA and client certificate', async () => {
    const created = await mutualOAuth2Client();
    assert.deepEqual(await who(created), {
      authorized: true,
      client: 'rest-client',
      authorization: 'Bearer token-of-rest-client',
    });
  });

  it('builds the secure context when the connection is created, never per socket', async () => {
    const created = await mutualOAuth2Client();
    const original = tls.createSecureContext;
    let built = 0;
    const counting = (options?: tls.SecureContextOptions) => {
      built++;
      return original(options);
    };
    const connectionsBefore = api.connections;
    (tls as { createSecureContext: typeof tls.createSecureContext }).createSecureContext = counting;
    try {
      for (let i = 0; i < 5; i++) {
        assert.deepEqual(await who(created), {
          authorized: true,
          client: 'rest-client',
          authorization: 'Bearer token-of-rest-client',
        });
      }
    } finally {
      (tls as { createSecureContext: typeof tls.createSecureContext }).createSecureContext = original;
    }
    // The server closes every connection: a token request and five API requests, six TLS
    // handshakes, no context built.
    assert.equal(api.connections - connectionsBefore, 6);
    assert.equal(built, 0, `secure contexts built for 6 new sockets: ${built}`);
  });
});
