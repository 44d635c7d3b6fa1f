/**
 * The connection an edit dialog describes, for Test and Preview: its unsaved settings and the
 * secrets typed in it, or the deployed node's secrets where the dialog left them unchanged
 * (Node-RED's editor shows a stored password as "__PWRD__" and sends that back). Settings equal
 * to the deployed ones use the deployed connection's own client (its tokens included); any other
 * gets a client of its own, closed after use.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { NodeAPI } from 'node-red';
import { connectionCredentialTypes } from '../../lib/definitions';
import { RestError, isRestError } from '../../lib/errors';
import type { RestClient } from '../../lib/http/rest-client';
import { SecretRedactor } from '../../lib/redact';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import type { RestConnectionNode } from '../shared/connection-node';
import { createConnectionClient, readConnectionSettings } from './create-connection-client';

/** What Node-RED's editor puts in a password field that holds a stored value. */
export const UNCHANGED_SECRET = '__PWRD__';

/** Tokens the deployed connection may have rotated since: a dialog's own client never uses the deployed ones. */
const DEPLOYED_ONLY: ReadonlySet<string> = new Set(['refreshToken', 'accessToken']);

/** A request body that is not what the route expects: answered 400. */
export class DialogInputError extends Error {
  readonly code = 'ERR_CONFIG';
}

/** The `connection` part of a dialog request, as sent by the editor. */
export interface DialogConnection {
  /** The connection node's id: where unchanged secrets come from, when it is deployed. */
  id?: string;
  /** The dialog's settings (flow JSON names); absent: the deployed connection as it is. */
  config?: Record<string, unknown>;
  /** The dialog's credentials; a missing or "__PWRD__" secret is the deployed node's. */
  credentials?: Record<string, unknown>;
}

/** A client to use once; `release()` closes it unless it is the deployed connection's. */
export interface DialogClient {
  client: RestClient;
  /** The settings the client was built from (testPath for the Test). */
  props: ConnectionProperties;
  release(): Promise<void>;
}

/** Checks the shape of a dialog's connection: id a string, config and credentials plain objects. */
export function readDialogConnection(value: unknown, what: string): DialogConnection {
  const connection = plainObject(value, what) ?? {};
  const { id, config, credentials } = connection;
  if (id !== undefined && id !== null && typeof id !== 'string') {
    throw new DialogInputError(`${what}.id must be the connection node's id (a string).`);
  }
  return {
    id: typeof id === 'string' && id ? id : undefined,
    config: plainObject(config, `${what}.config`),
    credentials: plainObject(credentials, `${what}.credentials`),
  };
}

export async function dialogClient(RED: NodeAPI, dialog: DialogConnection): Promise<DialogClient> {
  const deployed = dialog.id ? deployedConnection(RED, dialog.id) : undefined;
  if (!dialog.config) {
    if (!deployed) {
      throw new DialogInputError(
        'Give the connection settings (config), or the id of a deployed connection: this one is not deployed.',
      );
    }
    return { client: await deployed.getClient(), props: deployed.props, release: () => Promise.resolve() };
  }
  const { credentials, fromDeployed } = mergeCredentials(dialog.credentials ?? {}, deployed);
  const settings = readConnectionSettings(RED, deployed, dialog.config, credentials);
  if (
    deployed &&
    isDeepStrictEqual(settings.props, deployed.props) &&
    isDeepStrictEqual(withoutEmpty(settings.credentials), withoutEmpty(deployed.credentialsInUse))
  ) {
    return { client: await deployed.getClient(), props: deployed.props, release: () => Promise.resolve() };
  }
  for (const name of fromDeployed) {
    if (DEPLOYED_ONLY.has(name)) delete settings.credentials[name as keyof ConnectionCredentials];
  }
  let client: RestClient;
  try {
    client = await createConnectionClient(RED, settings, { connectionId: `dialog-${randomUUID()}`, deployed: false });
  } catch (err) {
    // Said by the settings, which may quote a secret typed in the wrong field.
    const secrets = new SecretRedactor();
    for (const [name, type] of Object.entries(connectionCredentialTypes)) {
      if (type === 'password') secrets.add(settings.credentials[name as keyof ConnectionCredentials]);
    }
    throw isRestError(err) ? err.redact(secrets) : new RestError('ERR_CONFIG', secrets.redact(String(err)));
  }
  return { client, props: settings.props, release: () => client.close() };
}

function deployedConnection(RED: NodeAPI, id: string): RestConnectionNode | undefined {
  const node = RED.nodes.getNode(id) as RestConnectionNode | null;
  return node && node.type === 'rest-connection' && typeof node.getClient === 'function' ? node : undefined;
}

/** The dialog's credentials, a missing or unchanged one taken from the deployed node (as stored, before `${ENV}`). */
function mergeCredentials(
  typed: Record<string, unknown>,
  deployed: RestConnectionNode | undefined,
): { credentials: ConnectionCredentials; fromDeployed: string[] } {
  const stored = (deployed?.credentials ?? {}) as Record<string, unknown>;
  const credentials: Record<string, string> = {};
  const fromDeployed: string[] = [];
  for (const name of Object.keys(connectionCredentialTypes)) {
    const value = typed[name];
    if (value === undefined || value === null || value === UNCHANGED_SECRET) {
      const kept = stored[name];
      if (typeof kept === 'string' && kept !== '') {
        credentials[name] = kept;
        fromDeployed.push(name);
      }
    } else if (typeof value === 'string') {
      if (value !== '') credentials[name] = value;
    } else {
      throw new DialogInputError(`connection.credentials.${name} must be a text.`);
    }
  }
  return { credentials: credentials, fromDeployed };
}

function withoutEmpty(credentials: ConnectionCredentials): Record<string, unknown> {
  return Object.fromEntries(Object.entries(credentials).filter(([, value]) => value !== undefined && value !== ''));
}

/** A plain object, undefined for undefined or null, a DialogInputError for anything else. */
export function plainObject(value: unknown, what: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DialogInputError(`${what} must be an object, not ${Array.isArray(value) ? 'an array' : typeof value}.`);
  }
  return value as Record<string, unknown>;
}
