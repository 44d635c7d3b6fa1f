/**
 * The value of a scalar request, as execute-rest-scalar and the edit dialog's Preview both get
 * it: the node's value settings compiled once, one request, the value picked and converted.
 */
import type { RequestSpec, RestClient } from '../../lib/http/rest-client';
import type { RestResponse } from '../../lib/http/rest-response';
import { RestError, isRestError } from '../../lib/errors';
import { ValueExtractor } from '../../lib/extract/value-extractor';
import type { ScalarProperties } from '../../lib/types';
import { withResponseDetails } from './response-details';

/** The node's valuePath, valueType and missing settings, compiled; a setting that cannot work is a RestError. */
export function compileScalar(props: ScalarProperties): ValueExtractor | RestError {
  try {
    return new ValueExtractor(props);
  } catch (err) {
    return isRestError(err) ? err : new RestError('ERR_CONFIG', String(err));
  }
}

/**
 * Sends the request and picks the value; an error found in the response carries its details.
 * `onResponse` sees the response before the value is picked (the Preview shows it also when the
 * value is missing).
 */
export async function scalarValue(
  client: RestClient,
  request: RequestSpec,
  extractor: ValueExtractor,
  onResponse?: (response: RestResponse) => void,
): Promise<{ response: RestResponse; value: unknown }> {
  const response = await client.request(request);
  onResponse?.(response);
  try {
    return { response, value: extractor.extract(request.method === 'HEAD' ? undefined : response.value()) };
  } catch (err) {
    throw withResponseDetails(err, response, client);
  }
}
