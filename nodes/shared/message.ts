/** A Node-RED message as the nodes read and write it: any property may be set. */
import type { NodeMessage } from 'node-red';

export type Message = NodeMessage & Record<string, unknown>;
