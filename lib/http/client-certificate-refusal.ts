/**
 * A server that asks for a client certificate during the handshake but checks it only afterwards
 * (nginx `ssl_verify_client on`, IIS) answers with an HTTP status and a page, not a TLS failure:
 * read that page so the error says a client certificate was required or refused.
 */

/** What the status and body say about the client certificate, or undefined when they say nothing about it. */
export function clientCertificateRefusal(statusCode: number, body: Buffer): string | undefined {
  if (statusCode !== 400 && statusCode !== 403 && statusCode !== 495 && statusCode !== 496) return undefined;
  const text = body.toString('utf8', 0, 4096);
  if (
    statusCode === 496 ||
    /No required SSL certificate was sent|client certificate (is )?required|403\.7/i.test(text)
  ) {
    return 'the server requires a client certificate and none was sent: set clientCert and clientKey (or pfx)';
  }
  if (statusCode === 495 || /The SSL certificate error|certificate (was )?(rejected|revoked|not trusted)/i.test(text)) {
    return 'the server did not accept the client certificate: check that a CA the server trusts issued it and that it has not expired';
  }
  return undefined;
}
