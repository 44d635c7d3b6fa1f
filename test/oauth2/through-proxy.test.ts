/**
 * Token requests take the same road as API requests: through the connection's authenticating
 * proxy (the proxy's own log shows both), and never around it.
 */
import assert from 'node:assert/strict';
import { failureOf, flowWith, load, outputOf, useNodeRed } from '../support/node-red';
import { startAuthServer, type AuthServer } from '../support/oauth2-server';
import { startProtectedApi, type ProtectedApi } from '../support/oauth2-api';
import { startProxy, type LoopbackProxy } from '../support/proxy-chain-server';
import { assertNoSecret } from '../support/secret-scan';

describe('OAuth2 token requests through the connection proxy', function () {
  let auth: AuthServer;
  let api: ProtectedApi;
  let proxy: LoopbackProxy;
  useNodeRed();
  before(async () => {
    auth = await startAuthServer({ clientId: 'proxy-client', clientSecret: 'proxy-client-secret' });
    api = await startProtectedApi(auth);
    proxy = await startProxy({ username: 'corp-user', password: 'corp-pass' });
  });
  after(async () => {
    await proxy.close();
    await api.close();
    await auth.stop();
  });

  function connection(): object {
    return {
      baseUrl: api.url,
      authType: 'oauth2',
      oauth2Grant: 'client_credentials',
      tokenUrl: auth.tokenUrl,
      useProxy: true,
      proxyUrl: proxy.url,
      retries: 0,
    };
  }

  async function loadWith(credentials: { proxyUsername: string; proxyPassword: string }) {
    await load(flowWith({ type: 'execute-rest-scalar', connection: connection(), node: { path: '/' } }), {
      restConn: { clientId: 'proxy-client', clientSecret: 'proxy-client-secret', ...credentials },
    });
  }

  it('sends the token request and the API request through the proxy, authenticated', async () => {
    proxy.log.length = 0;
    const tokenRequestsBefore = auth.count('client_credentials');
    await loadWith({ proxyUsername: 'corp-user', proxyPassword: 'corp-pass' });
    const msg = await outputOf({ payload: 'x' });
    assert.equal(msg.statusCode, 200, 'the API answered');
    assert.equal(auth.count('client_credentials'), tokenRequestsBefore + 1);
    const tokenPort = Number(new URL(auth.tokenUrl).port);
    const apiPort = Number(new URL(api.url).port);
    const through = proxy.log.filter((entry) => entry.authorized);
    assert.ok(
      through.some((entry) => entry.port === tokenPort),
      `the token request went through the proxy: ${JSON.stringify(proxy.log)}`,
    );
    assert.ok(
      through.some((entry) => entry.port === apiPort),
      'the API request went through the proxy',
    );
  });

  it('a proxy refusing the credentials fails the token request with ERR_PROXY, no secret shown', async () => {
    const tokenRequestsBefore = auth.count('client_credentials');
    await loadWith({ proxyUsername: 'corp-user', proxyPassword: 'bad-pass' });
    const caught = await failureOf({ payload: 'x' });
    assert.equal(caught.error.code, 'ERR_PROXY');
    assert.equal(auth.count('client_credentials'), tokenRequestsBefore, 'nothing reached the token endpoint');
    assertNoSecret(caught, ['bad-pass', 'proxy-client-secret'], { users: ['corp-user', 'proxy-client'] });
  });
});
