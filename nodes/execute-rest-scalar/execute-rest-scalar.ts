/** `execute-rest-scalar`: runs a request and puts one value on the message. */
import type { NodeAPI, NodeDef, Node } from 'node-red';
import { scalarDefaults } from '../../lib/definitions';
import type { ScalarProperties } from '../../lib/types';
import { addResponseDetails } from '../shared/response-details';
import { compileScalar, scalarValue } from '../shared/scalar-value';
import { setupQueryNode, showConfigError } from '../shared/setup-query-node';
import { envLookup } from '../shared/env';
import { readSettings } from '../shared/read-settings';
import { RestError } from '../../lib/errors';

export = function registerExecuteRestScalar(RED: NodeAPI): void {
  function ExecuteRestScalar(this: Node, config: NodeDef & Partial<ScalarProperties>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const props = readSettings(scalarDefaults, config, envLookup(RED, node));
    // A setting that cannot work is reported on each message (so a catch node sees it) and in the status now.
    const extractor = compileScalar(props);
    setupQueryNode(RED, node, props, async ({ client, request, msg, send }) => {
      if (extractor instanceof RestError) throw extractor;
      const { response, value } = await scalarValue(client, request, extractor);
      addResponseDetails(msg, response, client);
      RED.util.setMessageProperty(msg, props.outputProperty || 'payload', value, true);
      send(msg);
      return `${response.statusCode}`;
    });
    if (extractor instanceof RestError) showConfigError(node, extractor);
  }
  RED.nodes.registerType('execute-rest-scalar', ExecuteRestScalar);
};
