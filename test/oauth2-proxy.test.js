'use strict';
/**
 * Token requests take the same road as API requests: through the connection's authenticating
 * proxy (the proxy's own log shows both), and never around it.
 */
const assert = require('node:assert/strict');
const { useNodeRed, load, helper, nextMessage, flowWith } = require('./support/node-red');
const { startAuthServer } = require('./support/oauth2-server');
const { startProtectedApi } = require('./support/oauth2-api');
const { startProxy } = require('./support/servers');

describe('OAuth2 token requests through the connection proxy', function () {
  let auth;
  let api;
  let proxy;
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

  function connection(extra = {}) {
    return {
      baseUrl: api.url,
      authType: 'oauth2',
      oauth2Grant: 'client_credentials',
      tokenUrl: auth.tokenUrl,
      useProxy: true,
      proxyUrl: proxy.url,
      retries: 0,
      ...extra,
    };
  }

  async function send(credentials) {
    await load(flowWith({ type: 'execute-rest-scalar', connection: connection(), node: { path: '/' } }), {
      restConn: { clientId: 'proxy-client', clientSecret: 'proxy-client-secret', ...credentials },
    });
    const out = nextMessage('out');
    const caught = nextMessage('caught');
    helper.getNode('restNode').receive({ payload: 'x' });
    return Promise.race([out.then((msg) => ({ msg })), caught.then((msg) => ({ caught: msg }))]);
  }

  it('sends the token request and the API request through the proxy, authenticated', async () => {
    proxy.log.length = 0;
    const tokenRequestsBefore = auth.count('client_credentials');
    const { msg } = await send({ proxyUsername: 'corp-user', proxyPassword: 'corp-pass' });
    assert.ok(msg, 'the API answered');
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
    const { caught } = await send({ proxyUsername: 'corp-user', proxyPassword: 'bad-pass' });
    assert.equal(caught.error.code, 'ERR_PROXY');
    assert.equal(auth.count('client_credentials'), tokenRequestsBefore, 'nothing reached the token endpoint');
    assert.doesNotMatch(JSON.stringify(caught), /bad-pass|proxy-client-secret/);
  });
});
