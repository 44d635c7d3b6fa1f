/** How a response lands on a message that goes on, or on an error found in it: secrets masked. */
import type { RestClient } from '../../lib/http/rest-client';
import type { RestResponse } from '../../lib/http/rest-response';
import { bodyExcerpt, isRestError } from '../../lib/errors';
import type { Message } from './message';

/** Puts the response's status, headers and URL on a message that goes on, with secrets masked. */
export function addResponseDetails(
  msg: Message,
  response: Pick<RestResponse, 'statusCode' | 'headers' | 'url'>,
  client: RestClient,
): void {
  msg.statusCode = response.statusCode;
  msg.headers = client.redactor.redactDeep(response.headers);
  msg.responseUrl = client.safeUrl(response.url);
}

/** An error found in a response (not JSON, value missing) carries that response's details too. */
export function withResponseDetails(err: unknown, response: RestResponse, client: RestClient): unknown {
  if (isRestError(err) && err.statusCode === undefined) {
    err.statusCode = response.statusCode;
    err.headers = client.redactor.redactDeep(response.headers);
    err.responseBody = bodyExcerpt(response.body, client.redactor);
    err.responseUrl = client.safeUrl(response.url);
  }
  return err;
}
