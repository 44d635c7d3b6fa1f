/** OAuth2 through the library (RestClient + the oauth2 strategy): revocation and bad settings. */
import assert from 'node:assert/strict';
import type { ConnectionCredentials } from '../../lib/types';
import { itShowsNoSecret, useOAuth2Library } from './library-harness';

describe('OAuth2 (library): revocation and bad settings', function () {
  const lib = useOAuth2Library();
  const { clientCredentials, connect, fails, oauth2, get, tokenRequest } = lib;

  describe('revocation', () => {
    it('revokes the refresh and access tokens (RFC 7009) and forgets them', async () => {
      const initial = lib.auth.issueRefreshToken('refresh-token-to-revoke');
      const client = await connect(
        { oauth2Grant: 'refresh_token', revokeUrl: lib.auth.revokeUrl },
        clientCredentials({ refreshToken: initial }),
      );
      await get(client);
      const { refreshToken, accessToken } = tokenRequest(0);
      const result = await oauth2(client).revoke();
      assert.deepEqual(result.revoked, ['refresh_token', 'access_token']);
      assert.deepEqual(
        lib.auth.ledger.revocations.map(({ token, token_type_hint, clientAuth }) => ({
          token,
          token_type_hint,
          clientAuth,
        })),
        [
          { token: refreshToken, token_type_hint: 'refresh_token', clientAuth: 'header' },
          { token: accessToken, token_type_hint: 'access_token', clientAuth: 'header' },
        ],
      );
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_AUTH', 'forgotten: no token left');
    });
  });

  describe('bad settings', () => {
    const cases: [string, object, () => ConnectionCredentials, string][] = [
      ['no token URL nor discovery URL', { tokenUrl: '' }, () => clientCredentials(), 'ERR_CONFIG'],
      ['no client ID', {}, () => ({ clientSecret: 'x-secret' }), 'ERR_CONFIG'],
      ['password grant without username', { oauth2Grant: 'password' }, () => clientCredentials(), 'ERR_CONFIG'],
      ['unknown grant', { oauth2Grant: 'implicit' }, () => clientCredentials(), 'ERR_CONFIG'],
    ];
    for (const [title, overrides, credentials, code] of cases) {
      it(`${title} is ${code} when the connection is created`, async () => {
        const err = await fails(connect(overrides, credentials()));
        assert.equal(err.code, code);
      });
    }

    it('a token URL that is not http(s) is ERR_CONFIG on the first request', async () => {
      const client = await connect({ tokenUrl: 'ftp://example.com/token' });
      assert.equal((await fails(get(client))).code, 'ERR_CONFIG');
    });

    it('refresh_token grant without any refresh token is ERR_AUTH with the state "authorization needed"', async () => {
      const client = await connect({ oauth2Grant: 'refresh_token' });
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_AUTH');
      assert.equal(client.states.at(-1)?.text, 'authorization needed');
    });
  });

  itShowsNoSecret(lib, 10);
});
