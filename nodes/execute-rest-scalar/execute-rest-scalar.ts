/** `execute-rest-scalar`: runs a request and puts one value on the message. */
import type { NodeAPI, NodeDef, Node } from 'node-red';
import { scalarDefaults } from '../../lib/definitions';
import { ValueExtractor } from '../../lib/extract/value-extractor';
import type { ScalarProperties } from '../../lib/types';
import { addResponseDetails, withResponseDetails } from '../shared/response-details';
import { setupQueryNode, showConfigError } from '../shared/setup-query-node';
import { envLookup } from '../shared/env';
import { readSettings } from '../shared/read-settings';
import { RestError, isRestError } from '../../lib/errors';

export = function registerExecuteRestScalar(RED: NodeAPI): void {
  function ExecuteRestScalar(this: Node, config: NodeDef & Partial<ScalarProperties>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const props = readSettings(scalarDefaults, config, envLookup(RED, node));
    let extractor: ValueExtractor | RestError;
    try {
      extractor = new ValueExtractor(props);
    } catch (err) {
      // Reported on each message (so a catch node sees it) and in the status now.
      extractor = isRestError(err) ? err : new RestError('ERR_CONFIG', String(err));
    }
    setupQueryNode(RED, node, props, async ({ client, request, msg, send }) => {
      if (extractor instanceof RestError) throw extractor;
      const response = await client.request(request);
      let value: unknown;
      try {
        value = extractor.extract(request.method === 'HEAD' ? undefined : response.value());
      } catch (err) {
        throw withResponseDetails(err, response, client);
      }
      addResponseDetails(msg, response, client);
      RED.util.setMessageProperty(msg, props.outputProperty || 'payload', value, true);
      send(msg);
      return `${response.statusCode}`;
    });
    if (extractor instanceof RestError) showConfigError(node, extractor);
  }
  RED.nodes.registerType('execute-rest-scalar', ExecuteRestScalar);
};
