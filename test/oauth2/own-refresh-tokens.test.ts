/**
 * Refresh tokens the connection obtained itself, deployed again (Node-RED saved them from its
 * in-memory credentials at a deploy that did not restart the connection), are never taken for a
 * new token the user deployed: after a restart the connection goes on with its current token,
 * and the token endpoint, which revokes the whole grant on reuse, never sees one twice. The
 * store keeps fingerprints of those tokens, never the tokens.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RestClient } from '../../lib/http/rest-client';
import { connectionDefaults } from '../../lib/definitions';
import { OAuth2Auth } from '../../lib/auth/oauth2';
import { OwnRefreshTokens, type OwnRefreshTokenFingerprints } from '../../lib/oauth2/own-refresh-tokens';
import { DurableTokenStore } from '../../lib/oauth2/token-store';
import type { ConnectionCredentials } from '../../lib/types';
import { startAuthServer } from '../support/oauth2-server';
import { startProtectedApi } from '../support/oauth2-api';

type AuthServer = Awaited<ReturnType<typeof startAuthServer>>;
type ProtectedApi = Awaited<ReturnType<typeof startProtectedApi>>;

describe('oauth2: own refresh tokens', function () {
  describe('OwnRefreshTokens', () => {
    const token = (n: number) => `refresh-token-${n}-${'x'.repeat(20)}`;

    it('knows the tokens added, and no other', () => {
      const own = new OwnRefreshTokens();
      own.add(token(1));
      own.add(token(2));
      assert.equal(own.includes(token(1)), true);
      assert.equal(own.includes(token(2)), true);
      assert.equal(own.includes(token(3)), false);
    });

    it('keeps the newest 500, and the one Node-RED saved however long ago', () => {
      const own = new OwnRefreshTokens();
      own.add(token(0));
      assert.equal(own.markSaved(token(0)), true);
      assert.equal(own.markSaved(token(0)), false, 'no news');
      for (let n = 1; n <= 600; n++) own.add(token(n));
      assert.equal(own.includes(token(0)), true, 'the saved one');
      assert.equal(own.includes(token(1)), false, 'dropped');
      assert.equal(own.includes(token(101)), true, 'the 500th newest');
      assert.equal(own.toStored().obtainedRefreshTokenHashes?.length, 500);
    });

    it('survives the store as fingerprints only', () => {
      const own = new OwnRefreshTokens();
      own.add(token(1));
      own.markSaved(token(1));
      const stored = JSON.parse(JSON.stringify(own.toStored())) as OwnRefreshTokenFingerprints;
      assert.doesNotMatch(JSON.stringify(stored), /refresh-token/);
      assert.equal(new OwnRefreshTokens(stored).includes(token(1)), true);
    });
  });

  describe('across restarts (library, durable store)', () => {
    let auth: AuthServer;
    let api: ProtectedApi;
    let userDir: string;
    const clients: RestClient[] = [];
    const store = () => ({ directory: path.join(userDir, 'tokens'), secret: 'node-red-credential-secret' });

    before(async () => {
      auth = await startAuthServer();
      api = await startProtectedApi(auth);
      userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-own-refresh-'));
    });
    beforeEach(() => {
      auth.reset();
      auth.behaviour.revokeFamilyOnReuse = true;
      fs.rmSync(store().directory, { recursive: true, force: true });
    });
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.close()));
    });
    after(async () => {
      await api.close();
      await auth.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    });

    /** A connection as Node-RED starts it: these deployed credentials, the same store. */
    async function start(deployed: ConnectionCredentials) {
      const client = await RestClient.create(
        {
          ...connectionDefaults,
          baseUrl: api.url,
          authType: 'oauth2',
          oauth2Grant: 'refresh_token',
          tokenUrl: auth.tokenUrl,
          timeout: 3000,
          retries: 0,
        },
        { clientId: auth.clientId, clientSecret: auth.clientSecret, ...deployed },
        { connectionId: 'conn', tokenStore: store() },
      );
      clients.push(client);
      assert.ok(client.auth instanceof OAuth2Auth);
      return { client, oauth2: client.auth };
    }

    async function getWithRotation(client: RestClient) {
      api.reject(api.requests.at(-1)?.token ?? '');
      assert.equal((await client.request({ method: 'GET', path: '/data' })).statusCode, 200);
    }

    const refreshes = () => auth.ledger.tokenRequests.filter((entry) => entry.grant === 'refresh_token');
    function assertNoReuse() {
      assert.deepEqual(auth.reusedRefreshTokens(), []);
      assert.deepEqual(auth.ledger.revokedFamilies, []);
      for (const refresh of refreshes()) assert.equal(refresh.status, 200);
    }

    it('an obtained refresh token deployed again after it rotated is not sent again (deploy not reported)', async () => {
      const pasted = auth.issueRefreshToken('refresh-token-pasted-once-by-the-user');
      const first = await start({ refreshToken: pasted });
      assert.equal((await first.client.request({ method: 'GET', path: '/data' })).statusCode, 200);
      const savedByDeploy = refreshes()[0]?.refreshToken ?? ''; // in Node-RED's credentials when a deploy saved them
      await getWithRotation(first.client);
      await getWithRotation(first.client);
      await first.client.close();

      const second = await start({ refreshToken: savedByDeploy });
      await getWithRotation(second.client);
      assert.equal(refreshes().at(-1)?.params.refresh_token, refreshes().at(-2)?.refreshToken);
      assertNoReuse();
    });

    it('the refresh token Node-RED reported saved is known at the next start', async () => {
      const pasted = auth.issueRefreshToken('another-refresh-token-pasted-by-the-user');
      const first = await start({ refreshToken: pasted });
      await first.client.request({ method: 'GET', path: '/data' });
      const savedByDeploy = refreshes()[0]?.refreshToken ?? '';
      await first.oauth2.credentialsSaved(savedByDeploy);
      await getWithRotation(first.client);
      await first.client.close();

      const file = new DurableTokenStore(store(), 'conn');
      const stored = await file.load();
      assert.ok(stored?.savedRefreshTokenHash, 'the saved token is remembered');
      const remembered = JSON.stringify([stored.savedRefreshTokenHash, stored.obtainedRefreshTokenHashes]);
      for (const issued of auth.issuedSecrets()) assert.ok(!remembered.includes(issued), 'fingerprints, not tokens');

      const second = await start({ refreshToken: savedByDeploy });
      await getWithRotation(second.client);
      assertNoReuse();
    });

    it('a refresh token the user deploys is still used, and forgets the old grant', async () => {
      const first = await start({ refreshToken: auth.issueRefreshToken('first-refresh-token-of-the-user') });
      await first.client.request({ method: 'GET', path: '/data' });
      await getWithRotation(first.client);
      await first.client.close();

      const newer = auth.issueRefreshToken('second-refresh-token-of-the-user');
      const second = await start({ refreshToken: newer });
      await getWithRotation(second.client);
      assert.equal(refreshes().at(-1)?.params.refresh_token, newer);
      await second.client.close();

      const stored = await new DurableTokenStore(store(), 'conn').load();
      assert.equal(stored?.obtainedRefreshTokenHashes?.length, 1, 'only the new grant is remembered');
      assertNoReuse();
    });
  });
});
