/**
 * How a connection authenticates. One small strategy per `authType`, all behind this
 * interface, so the HTTP client never branches on the auth type.
 */

/** The parts of an outgoing request an auth strategy may change. */
export interface OutgoingRequest {
  url: URL;
  headers: Record<string, string>;
  /** The HTTP method (Digest hashes it); absent where a request is only a URL and headers. */
  method?: string;
}

/** What the client knows of a rejected response when asking a strategy to renew. */
export interface RejectedResponse {
  statusCode: number;
  /** The start of the body as text (may be empty). */
  body: string;
  /** What was sent: tells a strategy which credentials the server refused. */
  request?: OutgoingRequest;
  /** The response headers (e.g. a Digest challenge in `www-authenticate`). */
  headers?: Record<string, string | string[] | undefined>;
}

export interface AuthStrategy {
  /** Adds credentials to a request bound for the connection's origin (OAuth2 may first obtain a token). */
  apply(request: OutgoingRequest): void | Promise<void>;
  /**
   * Called once after a 401 (or a 403 that says the token is invalid or expired).
   * Returns true when fresh credentials were obtained and the request should be retried once.
   */
  renew?(response: RejectedResponse): Promise<boolean>;
  /**
   * Called once a request is over (answered after any renewal, or failed), with what was sent:
   * lets a strategy that holds other requests back until a first answer (Digest) let them go.
   */
  settled?(request: OutgoingRequest): void;
  /**
   * got retries this request (a network error, 502/503/504…): credentials that must differ per
   * request (Digest's nonce count) are made afresh in `request.headers`.
   */
  retrying?(request: OutgoingRequest): void;
  /** Header names (lower case) that carry credentials: dropped on a redirect to another origin. */
  readonly credentialHeaders: readonly string[];
  /** Query parameter names that carry credentials: dropped on a redirect to another origin. */
  readonly credentialQueryParams: readonly string[];
  /**
   * The base URL requests resolve against, when the strategy moves it (OAuth2 `instanceUrlPath`:
   * the token response names the API's origin). Absent: the connection's base URL.
   */
  requestBase?(base: URL): Promise<URL>;
  /** Releases timers and sockets; called when the connection closes. */
  close?(): Promise<void> | void;
}
