/** OAuth2 through the library (RestClient + the oauth2 strategy): token answers and discovery. */
import assert from 'node:assert/strict';
import { itShowsNoSecret, useOAuth2Library } from './library-harness';

describe('OAuth2 (library): token answers and discovery', function () {
  const lib = useOAuth2Library();
  const { clientCredentials, connect, fails, oauth2, get, tokenRequest } = lib;

  describe('token responses', () => {
    it('reads a nested answer with custom JSONPaths ({"data":{"token","ttl","renew"}})', async () => {
      lib.auth.behaviour.shape = (body) => ({ data: { token: body.access_token, ttl: 2, renew: body.refresh_token } });
      const initial = lib.auth.issueRefreshToken('nested-refresh-token-1');
      const client = await connect(
        {
          oauth2Grant: 'refresh_token',
          accessTokenPath: '$.data.token',
          refreshTokenPath: '$.data.renew',
          expiresInPath: '$.data.ttl',
        },
        clientCredentials({ refreshToken: initial }),
      );
      await get(client);
      assert.equal(lib.api.requests.at(-1)?.status, 200);
      await new Promise<void>((resolve) => setTimeout(resolve, 1900)); // ttl 2 s: inside the refresh skew
      await get(client);
      assert.equal(lib.auth.count('refresh_token'), 2, 'ttl was read from $.data.ttl');
      assert.equal(tokenRequest(1).params.refresh_token, tokenRequest(0).refreshToken);
    });

    it('reads a form-encoded answer (application/x-www-form-urlencoded, like GitHub)', async () => {
      lib.auth.behaviour.form = true;
      const client = await connect();
      assert.equal((await get(client)).statusCode, 200);
    });

    it('an answer without the access token at accessTokenPath is ERR_AUTH naming the path', async () => {
      const client = await connect({ accessTokenPath: '$.data.token' });
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_AUTH');
      assert.match(err.message, /\$\.data\.token/);
    });

    it('an invalid JSONPath is ERR_JSONPATH', async () => {
      const client = await connect({ accessTokenPath: '$..[?(@.a==' });
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_JSONPATH');
    });
  });

  describe('discovery', () => {
    it('fills the token and revocation endpoints from the discovery document', async () => {
      const client = await connect({ tokenUrl: '', discoveryUrl: lib.auth.url });
      assert.equal((await get(client)).statusCode, 200);
      const endpoints = await oauth2(client).endpoints();
      assert.equal(endpoints.tokenUrl, lib.auth.tokenUrl);
      assert.equal(endpoints.revokeUrl, lib.auth.revokeUrl);
      assert.equal(endpoints.authorizeUrl, lib.auth.authorizeUrl);
      assert.equal(endpoints.issuer, lib.auth.url);
    });

    it('explicit endpoints win over discovered ones', async () => {
      const client = await connect({ discoveryUrl: lib.auth.discoveryUrl, revokeUrl: `${lib.auth.url}/custom-revoke` });
      const endpoints = await oauth2(client).endpoints();
      assert.equal(endpoints.revokeUrl, `${lib.auth.url}/custom-revoke`);
      assert.equal(endpoints.tokenUrl, lib.auth.tokenUrl);
    });

    it('a discovery URL that answers 404 is ERR_CONFIG; one that is unreachable is ERR_NETWORK', async () => {
      const missing = await connect({
        tokenUrl: '',
        discoveryUrl: `${lib.auth.url}/nothing/here/.well-known/openid-configuration`,
      });
      assert.equal((await fails(get(missing))).code, 'ERR_CONFIG');
      const down = await connect({ tokenUrl: '', discoveryUrl: 'http://127.0.0.1:1/' }, clientCredentials(), {
        connectionId: 'c2',
      });
      assert.equal((await fails(get(down))).code, 'ERR_NETWORK');
    });
  });

  itShowsNoSecret(lib, 6);
});
