/**
 * The set-up of the OAuth2 library tests (test/oauth2/library-*.test.ts): a real authorization
 * server, an API that verifies its JWTs, a temporary user directory, and clients that record
 * their states. Everything the user could see (warnings, states, error messages) is collected in
 * `seen`; `itShowsNoSecret` scans it at the end of each file.
 *
 *   const lib = useOAuth2Library();
 *   const client = await lib.connect({ oauth2Grant: 'password' }, lib.clientCredentials({ username, password }));
 */
import assert from 'node:assert/strict';
import { OAuth2Auth } from '../../lib/auth/oauth2';
import type { AuthContext } from '../../lib/auth/auth-context';
import { connectionDefaults } from '../../lib/definitions';
import { RestError } from '../../lib/errors';
import { RestClient, type ClientOptions } from '../../lib/http/rest-client';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import { startAuthServer, type AuthServer } from '../support/oauth2-server';
import { clientCredentialsConnection, startProtectedApi, type ProtectedApi } from '../support/oauth2-api';
import { createPeerDir, removePeerDir } from '../support/peers/peer-dir';
import { assertNoSecret } from '../support/secret-scan';

export const PASSWORD = 'user-password-value';

type State = Parameters<NonNullable<AuthContext['onStateChange']>>[0];
/** A client with the states it reported, oldest first. */
export type Client = RestClient & { states: State[] };

/** Installs the hooks of one test file (call it inside its describe) and returns the set-up. */
export function useOAuth2Library() {
  let auth: AuthServer;
  let api: ProtectedApi;
  let userDir: string;
  const clients: RestClient[] = [];
  const seen: string[] = []; // every warning, state and error message: scanned for secrets at the end

  before(async () => {
    auth = await startAuthServer();
    api = await startProtectedApi(auth);
    userDir = createPeerDir('oauth2');
  });
  beforeEach(() => auth.reset());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  after(async () => {
    await api.close();
    await auth.stop();
    removePeerDir(userDir);
  });

  function props(overrides: object = {}): ConnectionProperties {
    return { ...connectionDefaults, ...clientCredentialsConnection(auth, api), ...overrides };
  }
  const clientCredentials = (extra: ConnectionCredentials = {}): ConnectionCredentials => ({
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    ...extra,
  });

  async function connect(
    overrides: object = {},
    credentials = clientCredentials(),
    options: Pick<ClientOptions, 'connectionId' | 'tokenStore'> = {},
  ): Promise<Client> {
    const states: State[] = [];
    const client = await RestClient.create(props(overrides), credentials, {
      connectionId: options.connectionId ?? 'conn-1',
      warn: (message) => seen.push(message),
      tokenStore: options.tokenStore,
      onStateChange: (state) => {
        states.push(state);
        seen.push(state.text);
      },
    });
    clients.push(client);
    return Object.assign(client, { states });
  }

  /** The error `promise` fails with, which must be a RestError; fails when it succeeds. */
  async function fails(promise: Promise<unknown>): Promise<RestError> {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof RestError, `not a RestError: ${String(err)}`);
      seen.push(err.message, err.responseBody ?? '');
      return err;
    }
    assert.fail('expected a failure');
  }

  /** The client's OAuth2 strategy. */
  function oauth2(client: RestClient): OAuth2Auth {
    assert.ok(client.auth instanceof OAuth2Auth);
    return client.auth;
  }

  const get = (client: RestClient, path = '/data') => client.request({ method: 'GET', path });
  const lastToken = () => api.requests.at(-1)!.token;
  /** The n-th token request the server received. */
  const tokenRequest = (n: number) => {
    const entry = auth.ledger.tokenRequests[n];
    assert.ok(entry, `token request ${n} was made`);
    return entry;
  };

  return {
    get auth(): AuthServer {
      return auth;
    },
    get api(): ProtectedApi {
      return api;
    },
    get userDir(): string {
      return userDir;
    },
    seen,
    clientCredentials,
    connect,
    fails,
    oauth2,
    get,
    lastToken,
    tokenRequest,
  };
}

export type OAuth2Library = ReturnType<typeof useOAuth2Library>;

/** The last test of a file: no secret or token shows in anything the user could see in that file. */
export function itShowsNoSecret(lib: OAuth2Library, minSeen: number): void {
  // In a describe of its own: mocha runs a suite's own tests before its nested suites.
  describe('secrets', () => {
    it('no secret or token appears in any error, warning or state seen above', () => {
      const { auth, seen } = lib;
      const secrets = [auth.clientSecret, PASSWORD, 'not-the-password', 'wrong-secret-value', ...auth.issuedSecrets()];
      secrets.push('revoked-refresh-token-9', 'deployed-refresh-token-1', 'initial-refresh-token-1');
      secrets.push('deployed-refresh-token-5', 'revoked-refresh-token-6', 'deployed-refresh-token-7');
      assert.ok(seen.length >= minSeen, `something was captured (${seen.length})`);
      assertNoSecret(seen.join('\n'), secrets, { users: [auth.clientId, 'ada'] });
    });
  });
}
