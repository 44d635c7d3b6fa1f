/** Encodes `msg.payload` for the wire according to the node's `bodyType`. */
import { RestError } from '../errors';
import type { BodyType } from '../types';
import { encodeMultipart } from './encode-multipart';

export interface EncodedBody {
  /** A list of chunks (multipart) is written one after the other. */
  body: string | Buffer | Buffer[];
  contentType: string;
  /** multipart: the content type names this body's boundary, so it replaces any the flow set; with its length. */
  contentLength?: number;
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether a payload is sent at all: only for methods that carry a body, and not for `none`. */
export function carriesBody(method: string, bodyType: BodyType, payload: unknown): boolean {
  if (bodyType === 'none' || !METHODS_WITH_BODY.has(method)) return false;
  // DELETE usually has no body: send one only when the flow gives one.
  if (method === 'DELETE') return payload !== undefined && payload !== null && payload !== '';
  return payload !== undefined;
}

export function encodeBody(bodyType: BodyType, payload: unknown): EncodedBody {
  switch (bodyType) {
    case 'json':
      // A string or Buffer is taken to be JSON already, as Node-RED's http request node does.
      if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
        return { body: payload, contentType: 'application/json' };
      }
      return { body: toJson(payload), contentType: 'application/json' };
    case 'form':
      return { body: encodeForm(payload), contentType: 'application/x-www-form-urlencoded' };
    case 'multipart': {
      const { chunks, contentType, contentLength } = encodeMultipart(payload);
      return { body: chunks, contentType, contentLength };
    }
    case 'text':
      return {
        body: Buffer.isBuffer(payload) ? payload : typeof payload === 'string' ? payload : toJson(payload),
        contentType: 'text/plain; charset=utf-8',
      };
    default:
      throw new RestError(
        'ERR_CONFIG',
        `Unknown bodyType "${String(bodyType)}" (expected json, form, multipart, text or none).`,
      );
  }
}

function toJson(payload: unknown): string {
  try {
    return JSON.stringify(payload) ?? 'null';
  } catch (err) {
    throw new RestError('ERR_VALUE', `msg.payload cannot be sent as JSON: ${(err as Error).message.split('\n')[0]}`);
  }
}

function encodeForm(payload: unknown): string {
  if (typeof payload === 'string') return payload;
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new RestError('ERR_VALUE', 'A form body needs msg.payload to be an object of fields (or an encoded string).');
  }
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) form.append(name, String(item));
    else form.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return form.toString();
}
