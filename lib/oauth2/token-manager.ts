/**
 * The tokens of one OAuth2 connection: cached, refreshed ahead of expiry, renewed once after
 * a rejection, obtained by exactly one request at a time however many messages need one
 * (single flight), and kept in the durable store so a rotated refresh token survives a restart.
 * With a shared store (several Node-RED instances, lib/shared-store/), tokens are read from and
 * obtained through its coordinator: one instance at a time calls the token endpoint.
 */
import { RestError, isRestError } from '../errors';
import type { SecretRedactor } from '../redact';
import type { AgentPair } from '../transport';
import type { ConnectionCredentials, ConnectionProperties, OAuth2Grant } from '../types';
import { discoverEndpoints, type DiscoveredEndpoints } from './discovery';
import { OwnRefreshTokens } from './own-refresh-tokens';
import { TokenEndpoint, TokenEndpointError } from './token-endpoint';
import { tokenRequestHeaders, withQueryParams } from './token-request-headers';
import { needsRefresh, readTokenResponse, type TokenPaths, type TokenSet } from './token-response';
import { fingerprint } from './fingerprint';
import type { JwtSigner } from './jwt-signer';
import {
  DEVICE_CODE_GRANT,
  SLOW_DOWN_STEP_S,
  readDeviceAuthorization,
  type DeviceLoginStart,
  type DeviceLoginStatus,
} from './device-login';
import { DurableTokenStore, type StoredTokens, type TokenStoreSettings } from './token-store';
import type { TokenCoordinator } from '../shared-store/token-coordinator';

/**
 * When a rejection does not say which token the request carried, rejections within this
 * window after a renewal are taken to come from requests that still carried the old token:
 * they are retried with the new one instead of asking the token endpoint again.
 */
const RENEWAL_GRACE_MS = 2000;

/**
 * Closing waits at most this long (or the connection timeout, when shorter) for a token
 * request in flight: under Node-RED's own close timeout (15 s), so a redeploy never hangs.
 */
const MAX_CLOSE_WAIT_MS = 10_000;

/** The shared refresh lock lasts the token request's timeout and this margin (storing the result). */
const LOCK_MARGIN_MS = 5000;

/** Where the tokens are kept: the durable file store, or a shared store's coordinator. */
type TokenKeeper = Pick<TokenCoordinator, 'load' | 'save' | 'remove'>;

/** The connection's OAuth2 settings (the contract's names) and credentials, ready for the token endpoint. */
export type OAuth2Settings = Pick<
  ConnectionProperties,
  | 'discoveryUrl'
  | 'tokenUrl'
  | 'authorizeUrl'
  | 'revokeUrl'
  | 'scope'
  | 'tokenParams'
  | 'tokenParamsIn'
  | 'tokenHeaders'
  | 'authorizeParams'
  | 'clientAuth'
  | 'usePkce'
  | 'timeout'
  | 'jwtSubject'
  | 'jwtAudience'
  | 'deviceAuthorizationUrl'
> &
  /** refreshToken and accessToken: the credentials as deployed (a starting token). */
  Pick<ConnectionCredentials, 'username' | 'password' | 'refreshToken' | 'accessToken'> & {
    grant: OAuth2Grant;
    paths: TokenPaths;
    clientId: string;
    clientSecret: string;
    /** Signs the private_key_jwt client assertions and the jwt_bearer grant's assertion. */
    jwtSigner?: JwtSigner;
  };

/** The tokens a connection holds, as the node layer writes them back to Node-RED's in-memory credentials. */
export interface ObtainedTokens {
  accessToken: string;
  refreshToken: string;
}

export interface TokenManagerContext {
  connectionId: string;
  redactor: SecretRedactor;
  agentsFor: (url: URL) => AgentPair;
  classifyError?: (err: unknown) => unknown;
  warn: (message: string) => void;
  store?: TokenStoreSettings;
  /** Tokens shared by several Node-RED instances (Redis): used instead of `store`. */
  sharedTokens?: TokenCoordinator;
  onStateChange?: (state: { level: 'ok' | 'warning' | 'error'; text: string }) => void;
  /** Called after tokens change (obtained, rotated, forgotten): keeps Node-RED's credentials in step. */
  onTokensChanged?: (tokens: ObtainedTokens) => void;
}

export interface ResolvedEndpoints {
  tokenUrl: string;
  authorizeUrl: string;
  revokeUrl: string;
  deviceAuthorizationUrl: string;
  issuer?: string;
}

/** RFC 7523 §2.1. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export class TokenManager {
  private access?: TokenSet;
  private refreshToken?: string;
  /** `instanceUrlPath`: the origin of the latest tokens, kept when the access token is dropped for renewal. */
  private instanceOrigin?: string;
  /** Refresh tokens this connection obtained: one deployed again is not the user's. */
  private own = new OwnRefreshTokens();
  private inFlight?: Promise<TokenSet>;
  private endpointReady?: Promise<{ endpoint: TokenEndpoint; urls: ResolvedEndpoints }>;
  private loaded?: Promise<void>;
  private readonly store?: TokenKeeper;
  private readonly shared?: TokenCoordinator;
  /** The access token the API rejected last: another instance's tokens are taken only when they differ. */
  private rejectedAccessToken?: string;
  /** A token request for the shared store is running: its result is stored by the coordinator. */
  private obtainingForShared = false;
  private readonly configurationHash: string;
  private lastRejectionRenewalAt = 0;
  /** The device login being polled, or the last one's outcome. */
  private device?: { status: DeviceLoginStatus; deviceCode: string; deadline: number; timer?: NodeJS.Timeout };
  private inErrorState = false;
  private closed = false;

  constructor(
    private readonly settings: OAuth2Settings,
    private readonly context: TokenManagerContext,
  ) {
    this.shared = context.sharedTokens;
    if (this.shared) this.store = this.shared;
    else if (context.store) this.store = new DurableTokenStore(context.store, context.connectionId);
    const identity = [
      settings.grant,
      settings.tokenUrl || settings.discoveryUrl,
      settings.clientId,
      settings.grant === 'password' ? settings.username : '',
    ];
    // Another subject is another user's tokens (appended only here, so other grants keep their hash).
    if (settings.grant === 'jwt_bearer') identity.push(settings.jwtSubject);
    this.configurationHash = fingerprint(...identity);
  }

  /** A valid access token: the cached one, or a new one when it is missing or about to expire. */
  async accessToken(): Promise<string> {
    return (await this.currentTokens()).accessToken;
  }

  /**
   * What the editor's Test shows of the current token (obtaining one when needed): its expiry,
   * and its scopes: the granted ones when the server named them, else those requested
   * (RFC 6749 §5.1: an answer without `scope` grants the requested scope).
   */
  async tokenInfo(): Promise<{ expiresAt?: number; scopes: string[] }> {
    const tokens = await this.currentTokens();
    const scope = tokens.scope ?? this.settings.scope;
    return { expiresAt: tokens.expiresAt, scopes: scope.split(/\s+/).filter(Boolean) };
  }

  /**
   * `instanceUrlPath`: the origin the token response named (obtaining a token first when
   * needed); undefined when the connection has no instanceUrlPath.
   */
  async instanceUrl(): Promise<string | undefined> {
    if (!this.settings.paths.instanceUrlPath) return undefined;
    return (await this.currentTokens()).instanceUrl;
  }

  private async currentTokens(): Promise<TokenSet> {
    await this.ready();
    // A token without the instance URL it needs (a deployed starting token) is not usable.
    const complete = !this.settings.paths.instanceUrlPath || this.access?.instanceUrl;
    if (this.access && complete && !needsRefresh(this.access)) return this.access;
    return this.obtainOnce();
  }

  /** After the API rejected a token: obtains a new one (once for a burst of rejections). */
  async renewAfterRejection(rejectedHeader?: string): Promise<boolean> {
    await this.ready();
    if (this.inFlight) {
      await this.inFlight;
      return true;
    }
    if (rejectedHeader !== undefined) {
      // The request carried an older token than the current one: retry with the current one.
      if (this.access && !rejectedHeader.endsWith(this.access.accessToken)) return true;
    } else if (Date.now() - this.lastRejectionRenewalAt < RENEWAL_GRACE_MS) return true;
    this.rejectedAccessToken = this.access?.accessToken;
    this.access = undefined;
    await this.obtainOnce();
    this.lastRejectionRenewalAt = Date.now();
    return true;
  }

  /** The endpoints in use, discovery applied. */
  async endpoints(): Promise<ResolvedEndpoints> {
    return (await this.tokenEndpoint()).urls;
  }

  async authorizationUrl(params: Record<string, string>): Promise<string> {
    const { endpoint } = await this.tokenEndpoint();
    return endpoint.authorizationUrl(params);
  }

  /** Exchanges an authorization code (with its PKCE verifier) for tokens and keeps them. */
  async completeAuthorization(code: string, redirectUri: string, codeVerifier?: string): Promise<void> {
    await this.ready();
    const params: Record<string, string> = { code, redirect_uri: redirectUri };
    if (codeVerifier) params.code_verifier = codeVerifier;
    const exchange = this.exchange('authorization_code', params, false);
    this.inFlight = exchange;
    try {
      await exchange;
    } finally {
      if (this.inFlight === exchange) this.inFlight = undefined;
    }
  }

  /**
   * RFC 8628: asks for a device code, then polls the token endpoint in the background at the
   * server's interval (slower after each slow_down) until the user has logged in, refused, or the
   * code expired. The tokens are kept as after an authorization code login. A new start replaces
   * a login still pending.
   */
  async startDeviceLogin(): Promise<DeviceLoginStart> {
    await this.ready();
    if (this.closed) throw new RestError('ERR_CONFIG', 'The connection was closed (redeployed); try again.');
    const { endpoint } = await this.tokenEndpoint();
    const params: Record<string, string> = {};
    if (this.settings.scope.trim()) params.scope = this.settings.scope.trim();
    const authorization = readDeviceAuthorization(await endpoint.requestDeviceAuthorization(params));
    this.context.redactor.rotate('device code', authorization.deviceCode);
    this.stopDeviceLogin();
    const device = {
      status: { state: 'pending' as const, intervalS: authorization.intervalS },
      deviceCode: authorization.deviceCode,
      deadline: Date.now() + authorization.expiresIn * 1000,
    };
    this.device = device;
    this.context.onStateChange?.({ level: 'warning', text: 'waiting for device login' });
    this.scheduleDevicePoll(device);
    const { userCode, verificationUri, verificationUriComplete, expiresIn } = authorization;
    return { userCode, verificationUri, verificationUriComplete, expiresIn };
  }

  /** The state of the last device login; undefined when none was started. */
  deviceLoginStatus(): DeviceLoginStatus | undefined {
    return this.device && { ...this.device.status };
  }

  private scheduleDevicePoll(device: NonNullable<TokenManager['device']>): void {
    device.timer = setTimeout(() => void this.pollDevice(device), device.status.intervalS * 1000);
  }

  private async pollDevice(device: NonNullable<TokenManager['device']>): Promise<void> {
    if (this.device !== device || this.closed) return;
    if (Date.now() >= device.deadline) {
      return this.endDeviceLogin(
        device,
        'expired',
        'The device code expired before the login finished: start it again.',
      );
    }
    try {
      await this.requestTokens(DEVICE_CODE_GRANT, { device_code: device.deviceCode }, false);
      if (this.device !== device) return;
      device.status = { ...device.status, state: 'authorized' };
      device.timer = undefined;
      this.context.onStateChange?.({ level: 'ok', text: 'authorized' });
    } catch (err) {
      if (this.device !== device || this.closed) return;
      const oauthError = err instanceof TokenEndpointError ? err.oauthError : undefined;
      if (oauthError === 'authorization_pending') return this.scheduleDevicePoll(device);
      if (oauthError === 'slow_down') {
        device.status = { ...device.status, intervalS: device.status.intervalS + SLOW_DOWN_STEP_S };
        return this.scheduleDevicePoll(device);
      }
      if (oauthError === 'access_denied') {
        return this.endDeviceLogin(device, 'denied', 'The device login was denied at the provider (access_denied).');
      }
      if (oauthError === 'expired_token') {
        return this.endDeviceLogin(
          device,
          'expired',
          'The device code expired before the login finished (expired_token): start it again.',
        );
      }
      // The token endpoint unreachable for a moment: the login may still finish.
      if (isRestError(err) && (err.code === 'ERR_NETWORK' || err.code === 'ERR_TIMEOUT')) {
        return this.scheduleDevicePoll(device);
      }
      const reason = isRestError(err) ? err.message : 'see the Node-RED log';
      this.endDeviceLogin(device, 'failed', `The device login failed: ${reason}`);
    }
  }

  private endDeviceLogin(
    device: NonNullable<TokenManager['device']>,
    state: 'denied' | 'expired' | 'failed',
    message: string,
  ) {
    const shown = this.context.redactor.redact(message);
    device.status = { ...device.status, state, message: shown };
    device.timer = undefined;
    this.inErrorState = true;
    this.context.onStateChange?.({
      level: 'error',
      text:
        state === 'denied'
          ? 'device login denied'
          : state === 'expired'
            ? 'device code expired'
            : 'device login failed',
    });
    this.context.warn(shown);
  }

  /** Stops polling for a device login (a new one, a revocation, or the connection closing). */
  private stopDeviceLogin(): void {
    if (this.device?.timer) clearTimeout(this.device.timer);
    this.device = undefined;
  }

  /** RFC 7009 revocation of the refresh and access tokens, then forgets them everywhere. */
  async revokeAndForget(): Promise<{ revoked: string[] }> {
    await this.ready();
    const revoked: string[] = [];
    const { endpoint, urls } = await this.tokenEndpoint();
    if (urls.revokeUrl) {
      if (this.refreshToken) {
        await endpoint.revoke(this.refreshToken, 'refresh_token');
        revoked.push('refresh_token');
      }
      if (this.access?.accessToken) {
        await endpoint.revoke(this.access.accessToken, 'access_token');
        revoked.push('access_token');
      }
    }
    this.access = undefined;
    this.refreshToken = undefined;
    this.stopDeviceLogin();
    await this.store?.remove().catch((err) => this.warnStoreProblem('remove', err));
    this.context.onTokensChanged?.({ accessToken: '', refreshToken: '' });
    return { revoked };
  }

  /**
   * Node-RED has saved its credentials (a deploy of any kind), which hold this refresh token:
   * flows_cred.json has it now. Remembered in the store, so the next start knows it as the
   * connection's own however many rotations later.
   */
  async credentialsSaved(refreshToken: string | undefined): Promise<void> {
    await this.ready();
    if (!this.own.markSaved(refreshToken)) return;
    await this.save(
      this.access ? { ...this.access, refreshToken: this.refreshToken } : { refreshToken: this.refreshToken },
    );
  }

  /**
   * No new token request starts; one in flight is waited for (at most the connection timeout)
   * and its tokens are kept in the store: the server may already have rotated the refresh
   * token, and the connection that replaces this one (redeploy) must load the new one.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.stopDeviceLogin();
    const flight = this.inFlight;
    if (!flight) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.min(this.settings.timeout, MAX_CLOSE_WAIT_MS));
    });
    await Promise.race([flight.then(noop, noop), timeout]);
    clearTimeout(timer);
  }

  private ready(): Promise<void> {
    this.loaded ??= this.loadInitialTokens();
    return this.loaded;
  }

  /**
   * The stored tokens win over the deployed ones, unless the user deployed a different refresh
   * token since. A deployed refresh token the connection obtained itself (Node-RED saved it from
   * its in-memory credentials at a deploy) is not different: it may be rotated already.
   */
  private async loadInitialTokens(): Promise<void> {
    const { accessToken, refreshToken } = this.settings;
    this.refreshToken = refreshToken || undefined;
    if (accessToken) this.access = { accessToken, obtainedAt: Date.now() };
    let stored: StoredTokens | undefined;
    try {
      stored = await this.store?.load();
    } catch (err) {
      this.warnStoreProblem('read', err);
    }
    if (!stored || stored.configurationHash !== this.configurationHash) return;
    const own = new OwnRefreshTokens(stored);
    const deployedIsUnchanged =
      !refreshToken ||
      refreshToken === stored.refreshToken ||
      fingerprint(refreshToken) === stored.deployedRefreshTokenHash ||
      own.includes(refreshToken);
    if (!deployedIsUnchanged) return;
    this.own = own;
    this.rememberSecrets(stored.accessToken, stored.refreshToken);
    // Even when absent: a refresh token the server refused was forgotten on purpose.
    this.refreshToken = stored.refreshToken;
    this.instanceOrigin = stored.instanceUrl;
    if (stored.accessToken) {
      this.access = {
        accessToken: stored.accessToken,
        expiresAt: stored.expiresAt,
        obtainedAt: stored.obtainedAt ?? stored.savedAt,
        ...(stored.instanceUrl ? { instanceUrl: stored.instanceUrl } : {}),
      };
    }
  }

  /** Single flight: every caller waits for the same token request. */
  private obtainOnce(): Promise<TokenSet> {
    if (this.inFlight) return this.inFlight;
    const flight = this.obtain();
    this.inFlight = flight;
    const clear = () => {
      if (this.inFlight === flight) this.inFlight = undefined;
    };
    flight.then(clear, clear);
    return flight;
  }

  private async obtain(): Promise<TokenSet> {
    if (this.closed) throw new RestError('ERR_CONFIG', 'The connection was closed (redeployed); try again.');
    if (!this.shared) return this.obtainHere();
    const rejected = this.rejectedAccessToken;
    const result = await this.shared.refresh(
      (current) => !this.usableShared(current, rejected),
      (current) => this.obtainForShared(current),
      { lockMs: this.settings.timeout + LOCK_MARGIN_MS },
    );
    return this.adoptShared(result);
  }

  /** Tokens in the shared store that this instance can use as they are (another instance has just obtained them). */
  private usableShared(current: StoredTokens | undefined, rejected: string | undefined): boolean {
    if (!current?.accessToken || current.configurationHash !== this.configurationHash) return false;
    if (current.accessToken === rejected) return false;
    return !needsRefresh({
      accessToken: current.accessToken,
      expiresAt: current.expiresAt,
      obtainedAt: current.obtainedAt ?? current.savedAt,
    });
  }

  /** Under the shared lock: obtains tokens starting from the newest shared refresh token (never one used already). */
  private async obtainForShared(current: StoredTokens | undefined): Promise<StoredTokens> {
    const deployed = this.settings.refreshToken;
    if (current && current.configurationHash === this.configurationHash) {
      // The shared refresh token, unless the user has deployed another one since (as at start).
      const sameDeployment =
        !deployed ||
        deployed === current.refreshToken ||
        fingerprint(deployed) === current.deployedRefreshTokenHash ||
        new OwnRefreshTokens(current).includes(deployed);
      if (sameDeployment) {
        this.own = new OwnRefreshTokens(current);
        this.refreshToken = current.refreshToken;
      }
    }
    if (this.refreshToken && this.shared && (await this.shared.wasUsed(this.refreshToken))) {
      this.refreshToken = undefined;
    }
    this.obtainingForShared = true;
    let token: TokenSet;
    try {
      token = await this.obtainHere();
    } finally {
      this.obtainingForShared = false;
    }
    return this.toStored({
      accessToken: token.accessToken,
      refreshToken: this.refreshToken,
      expiresAt: token.expiresAt,
      obtainedAt: token.obtainedAt,
    });
  }

  /** The tokens the shared refresh ended with (this instance's or another's) become this instance's. */
  private adoptShared(result: StoredTokens | undefined): TokenSet {
    if (!result?.accessToken) {
      throw this.authorizationNeeded('The shared token store holds no access token for this connection; try again.');
    }
    const changed = result.accessToken !== this.access?.accessToken || result.refreshToken !== this.refreshToken;
    this.own = new OwnRefreshTokens(result);
    this.rememberSecrets(result.accessToken, result.refreshToken);
    this.refreshToken = result.refreshToken;
    this.access = {
      accessToken: result.accessToken,
      expiresAt: result.expiresAt,
      obtainedAt: result.obtainedAt ?? result.savedAt,
    };
    this.rejectedAccessToken = undefined;
    if (changed)
      this.context.onTokensChanged?.({ accessToken: result.accessToken, refreshToken: result.refreshToken ?? '' });
    if (this.inErrorState) {
      this.inErrorState = false;
      this.context.onStateChange?.({ level: 'ok', text: 'authorized' });
    }
    return this.access;
  }

  private async obtainHere(): Promise<TokenSet> {
    const { grant, username, password } = this.settings;
    if (this.refreshToken) {
      try {
        return await this.requestTokens('refresh_token', { refresh_token: this.refreshToken }, true);
      } catch (err) {
        if (!isInvalidGrant(err)) throw err;
        // Expired or revoked: never sent again, not even after a restart.
        await this.forgetTokens();
        const canStartOver = grant === 'client_credentials' || grant === 'password' || grant === 'jwt_bearer';
        if (!canStartOver) throw this.explainFailure(err, 'refresh_token');
        // This grant gets a fresh pair with its own credentials, in the same flight.
      }
    }
    switch (grant) {
      case 'client_credentials':
        return this.exchange('client_credentials', {}, true);
      case 'password':
        return this.exchange('password', { username: username ?? '', password: password ?? '' }, true);
      case 'jwt_bearer':
        return this.exchange(JWT_BEARER_GRANT, { assertion: await this.bearerAssertion() }, true);
      case 'device_code':
        throw this.authorizationNeeded(
          'The connection is not logged in yet: open it in the editor and click "Log in on another device" (device login).',
        );
      case 'refresh_token':
        throw this.authorizationNeeded(
          'The OAuth2 refresh_token grant has no refresh token: enter one in the connection (refreshToken) and deploy.',
        );
      default:
        throw this.authorizationNeeded(
          'The connection is not authorized yet: open it in the editor and click "Authorize" (authorization code login).',
        );
    }
  }

  /**
   * RFC 7523 §2.1 and §3: iss the client ID, sub jwtSubject (or the client ID), aud jwtAudience
   * (or the token endpoint), fresh for each token request.
   */
  private async bearerAssertion(): Promise<string> {
    const { settings } = this;
    if (!settings.jwtSigner)
      throw new RestError('ERR_CONFIG', 'The jwt_bearer grant needs a private key (jwtPrivateKey).');
    const { urls } = await this.tokenEndpoint();
    const assertion = await settings.jwtSigner.sign({
      iss: settings.clientId,
      sub: settings.jwtSubject || settings.clientId,
      aud: settings.jwtAudience || urls.tokenUrl,
    });
    this.context.redactor.rotate('bearer assertion', assertion);
    return assertion;
  }

  /** A token request whose refusal says what the user can do about it. */
  private async exchange(grantType: string, params: Record<string, string>, withScope: boolean): Promise<TokenSet> {
    try {
      return await this.requestTokens(grantType, params, withScope);
    } catch (err) {
      throw this.explainFailure(err, grantType);
    }
  }

  /**
   * One token request: parses the answer with the connection's paths, keeps and persists the
   * tokens. A refusal is the token endpoint's own error (with its `oauthError`).
   */
  private async requestTokens(
    grantType: string,
    params: Record<string, string>,
    withScope: boolean,
  ): Promise<TokenSet> {
    const { endpoint } = await this.tokenEndpoint();
    const body: Record<string, string> = {};
    if (withScope && this.settings.scope.trim()) body.scope = this.settings.scope.trim();
    // With tokenParamsIn `query` they are in the token URL instead (see buildTokenEndpoint).
    if (this.settings.tokenParamsIn !== 'query') {
      for (const { name, value } of this.settings.tokenParams ?? []) if (name) body[name] = value;
    }
    Object.assign(body, params);
    const answer = await endpoint.requestToken(grantType, body);
    const token = readTokenResponse(answer, this.settings.paths);
    if (this.settings.paths.instanceUrlPath) {
      // A refresh answer may leave the instance URL out: the one the tokens were issued for stays.
      token.instanceUrl ??= this.instanceOrigin;
      if (!token.instanceUrl) {
        throw new RestError(
          'ERR_AUTH',
          `The token endpoint's answer has no instance URL at "${this.settings.paths.instanceUrlPath}". Check instanceUrlPath on the connection.`,
        );
      }
    }
    this.rememberSecrets(token.accessToken, token.refreshToken);
    // A server that does not rotate refresh tokens answers without one: keep the one we have.
    this.instanceOrigin = token.instanceUrl;
    if (token.refreshToken) {
      this.refreshToken = token.refreshToken;
      this.own.add(token.refreshToken);
    }
    this.access = token;
    await this.persist(token);
    if (this.inErrorState) {
      this.inErrorState = false;
      this.context.onStateChange?.({ level: 'ok', text: 'authorized' });
    }
    return token;
  }

  private async persist(token: TokenSet): Promise<void> {
    this.context.onTokensChanged?.({ accessToken: token.accessToken, refreshToken: this.refreshToken ?? '' });
    // The shared store's coordinator stores what the token request returned, under its lock.
    if (this.obtainingForShared) return;
    await this.save({
      accessToken: token.accessToken,
      refreshToken: this.refreshToken,
      expiresAt: token.expiresAt,
      obtainedAt: token.obtainedAt,
      instanceUrl: token.instanceUrl,
    });
  }

  /**
   * After the server refused the refresh token: both tokens are dropped from memory, from
   * Node-RED's credentials and from the store. The store keeps an entry without tokens, so a
   * restart does not fall back to the deployed (equally dead) refresh token either.
   */
  private async forgetTokens(): Promise<void> {
    this.refreshToken = undefined;
    this.access = undefined;
    this.context.onTokensChanged?.({ accessToken: '', refreshToken: '' });
    await this.save({});
  }

  private async save(
    tokens: Pick<StoredTokens, 'accessToken' | 'refreshToken' | 'expiresAt' | 'obtainedAt' | 'instanceUrl'>,
  ) {
    if (!this.store) return;
    try {
      await this.store.save(this.toStored(tokens));
    } catch (err) {
      this.warnStoreProblem('write', err);
    }
  }

  private toStored(
    tokens: Pick<StoredTokens, 'accessToken' | 'refreshToken' | 'expiresAt' | 'obtainedAt'>,
  ): StoredTokens {
    const deployed = this.settings.refreshToken;
    return {
      ...tokens,
      ...this.own.toStored(),
      deployedRefreshTokenHash: deployed ? fingerprint(deployed) : undefined,
      configurationHash: this.configurationHash,
      savedAt: Date.now(),
    };
  }

  private tokenEndpoint(): Promise<{ endpoint: TokenEndpoint; urls: ResolvedEndpoints }> {
    // A failure (discovery document unreachable) is not cached: the next request tries again.
    this.endpointReady ??= this.buildTokenEndpoint().catch((err) => {
      this.endpointReady = undefined;
      throw err;
    });
    return this.endpointReady;
  }

  private async buildTokenEndpoint(): Promise<{ endpoint: TokenEndpoint; urls: ResolvedEndpoints }> {
    const { settings, context } = this;
    let discovered: DiscoveredEndpoints = {};
    if (settings.discoveryUrl) {
      discovered = await discoverEndpoints(settings.discoveryUrl, {
        agentsFor: context.agentsFor,
        timeout: settings.timeout,
        classifyError: context.classifyError,
      });
    }
    // Explicit fields win; discovery fills the empty ones.
    const urls: ResolvedEndpoints = {
      tokenUrl: settings.tokenUrl || discovered.token_endpoint || '',
      authorizeUrl: settings.authorizeUrl || discovered.authorization_endpoint || '',
      revokeUrl: settings.revokeUrl || discovered.revocation_endpoint || '',
      deviceAuthorizationUrl: settings.deviceAuthorizationUrl || discovered.device_authorization_endpoint || '',
      issuer: discovered.issuer,
    };
    for (const field of ['tokenUrl', 'authorizeUrl', 'revokeUrl', 'deviceAuthorizationUrl'] as const) {
      if (urls[field]) checkEndpointUrl(field, urls[field]);
    }
    if (!urls.tokenUrl) throw new RestError('ERR_CONFIG', 'OAuth2 needs a token URL (tokenUrl or discoveryUrl).');
    const endpoint = new TokenEndpoint({
      ...urls,
      tokenUrl:
        settings.tokenParamsIn === 'query' ? withQueryParams(urls.tokenUrl, settings.tokenParams) : urls.tokenUrl,
      headers: tokenRequestHeaders(settings.tokenHeaders, settings.clientAuth === 'header' && !!settings.clientSecret),
      clientAssertion:
        settings.clientAuth === 'private_key_jwt' && settings.jwtSigner
          ? { signer: settings.jwtSigner, audience: settings.jwtAudience || urls.tokenUrl }
          : undefined,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      clientAuth: settings.clientAuth,
      timeout: settings.timeout,
      agentsFor: context.agentsFor,
      classifyError: context.classifyError,
      redactor: context.redactor,
    });
    return { endpoint, urls };
  }

  /** Tokens are secrets too; only the recent ones are kept, so the redactor does not grow with every refresh. */
  private rememberSecrets(accessToken: string | undefined, refreshToken: string | undefined): void {
    if (accessToken) this.context.redactor.rotate('access token', accessToken);
    if (refreshToken) this.context.redactor.rotate('refresh token', refreshToken);
  }

  private explainFailure(err: unknown, grantType: string): unknown {
    if (!isInvalidGrant(err)) return err;
    const detail = (err as RestError).message;
    if (grantType === 'password') {
      return this.authorizationNeeded(`${detail} Check the username and password of the connection.`, err);
    }
    if (grantType === 'client_credentials') {
      return this.authorizationNeeded(`${detail} Check the client ID and secret of the connection.`, err);
    }
    if (grantType === JWT_BEARER_GRANT) {
      return this.authorizationNeeded(
        `${detail} Check the client ID, jwtSubject, jwtAudience and that the provider knows the certificate of jwtPrivateKey.`,
        err,
      );
    }
    return this.authorizationNeeded(
      `${detail} The connection needs to be authorized again: click "Authorize" on the connection, or deploy a new refresh token.`,
      err,
    );
  }

  private authorizationNeeded(message: string, cause?: unknown): RestError {
    this.inErrorState = true;
    this.context.onStateChange?.({ level: 'error', text: 'authorization needed' });
    // The token endpoint's answer (already redacted), headers included: see TokenEndpointError.
    const details =
      cause instanceof RestError
        ? { statusCode: cause.statusCode, headers: cause.headers, responseBody: cause.responseBody }
        : {};
    return new RestError('ERR_AUTH', this.context.redactor.redact(message), details);
  }

  private warnStoreProblem(action: string, err: unknown): void {
    const reason = isRestError(err) ? err.message : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    this.context.warn(
      this.context.redactor.redact(
        `Could not ${action} the OAuth2 token store (${reason}); tokens are kept in memory only.`,
      ),
    );
  }
}

function noop(): void {}

export function isInvalidGrant(err: unknown): boolean {
  return err instanceof TokenEndpointError && err.oauthError === 'invalid_grant';
}

function checkEndpointUrl(field: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RestError('ERR_CONFIG', `The OAuth2 ${field} "${value}" is not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RestError('ERR_CONFIG', `The OAuth2 ${field} must start with http:// or https://.`);
  }
}
