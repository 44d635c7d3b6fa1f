/**
 * Requests to the authorization server (token, authorization URL, revocation), built and
 * sent by simple-oauth2. Its HTTP library (@hapi/wreck) gets the connection's own agents, so
 * token requests take the same proxy and TLS settings as API requests.
 */
import { createRequire } from 'node:module';
import { AuthorizationCode, type AccessToken, type Token } from 'simple-oauth2';
import { RestError, bodyExcerpt, isRestError } from '../errors';
import type { SecretRedactor } from '../redact';
import type { AgentPair } from '../transport';
import type { OAuth2ClientAuth } from '../types';
import type { JwtSigner } from './jwt-signer';
import { parseTokenBody } from './token-response';

/** RFC 7523 §2.2: the value of client_assertion_type. */
export const JWT_CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * simple-oauth2's form poster (client authentication, form body, wreck): revocation and device
 * authorization requests need it with parameters its grant classes cannot send (a client
 * assertion; no grant_type). It has no typings of its own.
 */
interface FormPoster {
  request(url: string, params: Record<string, string>, options?: object): Promise<unknown>;
}
const { Client: FormPosterClass } = createRequire(__filename)('simple-oauth2/lib/client') as {
  Client: new (config: object) => FormPoster;
};

/** A token endpoint answer bigger than this is not a token answer. */
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

export interface TokenEndpointOptions {
  tokenUrl: string;
  authorizeUrl?: string;
  revokeUrl?: string;
  /** RFC 8628 device authorization endpoint (device_code grant). */
  deviceAuthorizationUrl?: string;
  clientId: string;
  clientSecret: string;
  /**
   * client_secret_basic (`header`), client_secret_post (`body`), or a public client (`none`):
   * `client_id` in the body and nothing else. An empty secret means `none` whatever this says.
   */
  clientAuth: OAuth2ClientAuth;
  /** `tokenHeaders`: sent with every request to these endpoints (and never to the API). */
  headers?: Record<string, string>;
  /** private_key_jwt: signs the client assertions; `audience` is their aud. */
  clientAssertion?: { signer: JwtSigner; audience: string };
  timeout: number;
  agentsFor: (url: URL) => AgentPair;
  /** Maps TLS and proxy failures to ERR_TLS / ERR_PROXY. */
  classifyError?: (err: unknown) => unknown;
  redactor: SecretRedactor;
}

/**
 * The token endpoint refused the request. `oauthError` is its error code (RFC 6749 §5.2), e.g.
 * `invalid_grant`, when it sent one. `statusCode`, `headers` and `responseBody` are the TOKEN
 * ENDPOINT's answer (not the API's; secrets redacted): a caught message shows them instead of
 * keeping the headers it was sent with.
 */
export class TokenEndpointError extends RestError {
  oauthError?: string;
}

/**
 * simple-oauth2 hands the answer to `createToken`, whose AccessToken only understands
 * top-level JSON. Returning the raw body instead lets the connection's JSONPaths read
 * nested answers and form-encoded ones (wreck is told `json: false`, so the body is a Buffer).
 */
class RawAnswerOAuthClient extends AuthorizationCode {
  override createToken(payload: Token): AccessToken {
    return payload as unknown as AccessToken;
  }
}

export class TokenEndpoint {
  private readonly tokenClient: RawAnswerOAuthClient;
  private readonly revokeClient?: FormPoster;
  private readonly deviceClient?: FormPoster;

  constructor(private readonly options: TokenEndpointOptions) {
    this.tokenClient = new RawAnswerOAuthClient(this.clientConfig(options.tokenUrl) as never);
    if (options.revokeUrl) this.revokeClient = new FormPosterClass(this.clientConfig(options.revokeUrl));
    if (options.deviceAuthorizationUrl) {
      this.deviceClient = new FormPosterClass(this.clientConfig(options.deviceAuthorizationUrl));
    }
  }

  /**
   * POSTs a grant to the token endpoint and returns the parsed answer. Every grant is
   * `grant_type` plus parameters, and simple-oauth2 lets the parameters name the grant, so
   * one client serves client_credentials, password, refresh_token and authorization_code.
   */
  async requestToken(grantType: string, params: Record<string, string>): Promise<unknown> {
    try {
      const body = { ...params, ...(await this.clientAssertion()), grant_type: grantType } as unknown as Parameters<
        AuthorizationCode['getToken']
      >[0];
      const raw = (await this.tokenClient.getToken(body, this.httpOptions())) as unknown as Buffer;
      return parseTokenBody(raw);
    } catch (err) {
      throw this.toRestError(err, this.options.tokenUrl, 'token endpoint');
    }
  }

  /** The provider's login page URL with client_id, redirect_uri, scope, state, PKCE and extra parameters. */
  authorizationUrl(params: Record<string, string>): string {
    if (!this.options.authorizeUrl) {
      throw new RestError(
        'ERR_CONFIG',
        'The authorization code grant needs an authorization URL (authorizeUrl or discoveryUrl).',
      );
    }
    const url = new URL(this.tokenClient.authorizeURL(params));
    return url.href;
  }

  /** RFC 7009: revokes one token; token_type_hint tells the server which kind it is. */
  async revoke(token: string, hint: 'access_token' | 'refresh_token'): Promise<void> {
    if (!this.revokeClient) throw new RestError('ERR_CONFIG', 'No revocation endpoint (revokeUrl) is configured.');
    try {
      const params = { token, token_type_hint: hint, ...(await this.clientAssertion()) };
      await this.revokeClient.request(this.options.revokeUrl ?? '', params, this.httpOptions());
    } catch (err) {
      throw this.toRestError(err, this.options.revokeUrl ?? '', 'revocation endpoint');
    }
  }

  /** RFC 8628 §3.1: asks for a device code and a user code; the parsed answer. */
  async requestDeviceAuthorization(params: Record<string, string>): Promise<unknown> {
    if (!this.deviceClient) {
      throw new RestError(
        'ERR_CONFIG',
        'The device_code grant needs a device authorization URL (deviceAuthorizationUrl, or a discoveryUrl whose document names device_authorization_endpoint).',
      );
    }
    try {
      const url = this.options.deviceAuthorizationUrl ?? '';
      const raw = await this.deviceClient.request(
        url,
        { ...params, ...(await this.clientAssertion()) },
        this.httpOptions(),
      );
      return parseTokenBody(raw as Buffer);
    } catch (err) {
      throw this.toRestError(err, this.options.deviceAuthorizationUrl ?? '', 'device authorization endpoint');
    }
  }

  /** private_key_jwt: a fresh client assertion for each request (RFC 7523 §2.2); nothing otherwise. */
  private async clientAssertion(): Promise<Record<string, string>> {
    const assertion = this.options.clientAssertion;
    if (this.options.clientAuth !== 'private_key_jwt' || !assertion) return {};
    const { clientId } = this.options;
    const jwt = await assertion.signer.sign({ iss: clientId, sub: clientId, aud: assertion.audience });
    // An error body that echoes it shows *** instead.
    this.options.redactor.rotate('client assertion', jwt);
    return { client_assertion_type: JWT_CLIENT_ASSERTION_TYPE, client_assertion: jwt };
  }

  /** Per-request options: the token headers (simple-oauth2 puts its own Authorization and Content-Type over them). */
  private httpOptions(): { headers: Record<string, string> } {
    return { headers: { ...this.options.headers } };
  }

  /** simple-oauth2's configuration for one endpoint, complete (its defaults written out for the form poster). */
  private clientConfig(endpoint: string): object {
    const url = new URL(endpoint);
    const agents = this.options.agentsFor(url);
    const { clientId, clientSecret } = this.options;
    const clientAuth =
      this.options.clientAuth === 'private_key_jwt'
        ? 'private_key_jwt'
        : clientSecret
          ? this.options.clientAuth
          : 'none';
    return {
      // A public client (RFC 6749 §2.3, §4.1.3) sends client_id in the body and no secret: never
      // `Basic base64("id:")`, which providers refuse, nor an empty client_secret. simple-oauth2's
      // body mode always writes both fields; naming the secret's field client_id too, with the
      // ID as its value, leaves exactly `client_id=<id>`. A private_key_jwt client sends the
      // same, and its assertion with each request (clientAssertion).
      client:
        clientAuth === 'none' || clientAuth === 'private_key_jwt'
          ? { id: clientId, secret: clientId, idParamName: 'client_id', secretParamName: 'client_id' }
          : { id: clientId, secret: clientSecret, idParamName: 'client_id', secretParamName: 'client_secret' },
      // Absolute URLs as paths: wreck resolves them with WHATWG URL, so they are kept whole.
      auth: {
        tokenHost: url.origin,
        tokenPath: url.href,
        revokePath: url.href,
        authorizeHost: this.options.authorizeUrl ? new URL(this.options.authorizeUrl).origin : url.origin,
        authorizePath: this.options.authorizeUrl || url.href,
      },
      options: {
        authorizationMethod: clientAuth === 'header' ? 'header' : 'body',
        bodyFormat: 'form',
        credentialsEncodingMode: 'strict',
        scopeSeparator: ' ',
      },
      http: {
        // TLS options are baked into the https agent; wreck only uses httpsAllowUnauthorized
        // when a request sets rejectUnauthorized, which these never do.
        agents: {
          http: uncloned(agents.http),
          https: uncloned(agents.https),
          httpsAllowUnauthorized: uncloned(agents.https),
        },
        json: false,
        timeout: this.options.timeout,
        maxBytes: MAX_TOKEN_RESPONSE_BYTES,
        headers: { accept: 'application/json, application/x-www-form-urlencoded;q=0.9' },
      },
    };
  }

  private toRestError(err: unknown, endpoint: string, what: string): RestError {
    if (isRestError(err)) return err;
    const redact = (text: string) => this.options.redactor.redact(text);
    const where = redact(safeUrl(endpoint));
    const boom = err as {
      isBoom?: boolean;
      output?: { statusCode?: number };
      data?: { isResponseError?: boolean; payload?: Buffer; headers?: Record<string, string> } | Error | null;
      message?: string;
    };
    const data = boom.data as
      | { isResponseError?: boolean; payload?: Buffer; headers?: Record<string, string | string[] | undefined> }
      | undefined;
    if (boom.isBoom && data?.isResponseError && boom.output?.statusCode === 407) {
      // A plain-HTTP token endpoint behind a proxy sees the proxy's refusal as a response: the
      // transport words it from the proxy's Proxy-Authenticate (which scheme it asked for).
      const refusal = this.options.classifyError?.({
        response: { statusCode: 407, url: endpoint, headers: data.headers ?? {} },
      });
      const reason = isRestError(refusal)
        ? refusal.message
        : 'The proxy refused the credentials (HTTP 407): check proxyUsername, proxyPassword and proxyDomain';
      return new RestError('ERR_PROXY', `On the way to the ${what} ${where}: ${reason}`, { statusCode: 407 });
    }
    if (boom.isBoom && data?.isResponseError) {
      const statusCode = boom.output?.statusCode ?? 0;
      const answer = parseTokenBody(data.payload ?? '') as { error?: unknown; error_description?: unknown } | string;
      const oauthError = typeof answer === 'object' && typeof answer?.error === 'string' ? answer.error : undefined;
      const description =
        typeof answer === 'object' && typeof answer?.error_description === 'string'
          ? `: ${answer.error_description}`
          : '';
      const reason = oauthError ? `${oauthError}${description}` : `HTTP ${statusCode}`;
      const error = new TokenEndpointError(
        'ERR_AUTH',
        redact(`The ${what} ${where} refused the request (${reason}).`),
        {
          statusCode,
          headers: this.options.redactor.redactDeep(plainHeaders(data.headers)),
          responseBody: bodyExcerpt(data.payload ?? '', this.options.redactor),
          responseUrl: where,
        },
      );
      error.oauthError = oauthError;
      return error;
    }
    if (boom.isBoom && boom.output?.statusCode === 504) {
      return new RestError('ERR_TIMEOUT', `The ${what} ${where} did not answer within ${this.options.timeout} ms.`);
    }
    const cause = boom.isBoom && boom.data instanceof Error ? boom.data : err;
    const classified = this.options.classifyError?.(cause);
    if (isRestError(classified)) return classified;
    const code = (cause as { code?: string }).code;
    const detail = redact(code ?? (cause as Error).message ?? String(cause));
    return new RestError(
      'ERR_NETWORK',
      `Cannot reach the ${what} ${where} (${detail}). The next request will try again.`,
    );
  }
}

/** Response headers as a plain object (redactDeep only walks plain objects). */
export function plainHeaders(
  headers: Record<string, string | string[] | undefined> | undefined,
): Record<string, string | string[]> {
  const plain: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) plain[name] = value;
  return plain;
}

/**
 * simple-oauth2 deep-copies its `http` options (Hoek.applyToDefaults), which would turn the
 * connection's agents into detached copies: sockets outside the transport's pool, never
 * destroyed, and broken for some agents. Hoek keeps an object as is when its prototype says
 * `isImmutable`; this proxy says so and forwards everything else to the real agent.
 */
function uncloned<T extends object>(agent: T): T {
  const prototype = Object.create(Object.getPrototypeOf(agent) as object, { isImmutable: { value: true } }) as object;
  return new Proxy(agent, { getPrototypeOf: () => prototype });
}

/** The URL without user info or query, which could carry secrets. */
export function safeUrl(text: string): string {
  try {
    const url = new URL(text);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
