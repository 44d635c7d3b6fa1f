/**
 * `bodyType: multipart`: `msg.payload` as multipart/form-data (RFC 7578). Values are strings
 * and numbers (plain fields), Buffers (a file named after its field) and
 * `{value, filename, contentType}` parts; an array gives one part per item under the same name.
 * The body is a list of chunks that got writes one after the other: file bytes go as they are
 * (not base64, not copied into one big buffer), and a list, unlike a stream, can be sent again
 * whole when got retries the request.
 */
import crypto from 'node:crypto';
import { RestError } from '../errors';

export interface MultipartBody {
  chunks: Buffer[];
  contentType: string;
  contentLength: number;
}

const DEFAULT_FILE_TYPE = 'application/octet-stream';
const CRLF = '\r\n';

interface Part {
  name: string;
  value: Buffer;
  filename?: string;
  contentType?: string;
}

export function encodeMultipart(payload: unknown): MultipartBody {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload) || isBytes(payload)) {
    throw new RestError(
      'ERR_VALUE',
      'A multipart body needs msg.payload to be an object of fields (strings, numbers, Buffers or {value, filename, contentType}).',
    );
  }
  const parts: Part[] = [];
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) parts.push(partOf(name, item));
  }
  const boundary = `----rest-connection-${crypto.randomBytes(16).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}${CRLF}${partHeaders(part)}${CRLF}`, 'utf8'), part.value, Buffer.from(CRLF));
  }
  chunks.push(Buffer.from(`--${boundary}--${CRLF}`));
  return {
    chunks,
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: chunks.reduce((sum, chunk) => sum + chunk.length, 0),
  };
}

function partOf(name: string, value: unknown): Part {
  if (typeof value === 'string') return { name, value: Buffer.from(value, 'utf8') };
  if (typeof value === 'number' || typeof value === 'boolean') return { name, value: Buffer.from(String(value)) };
  if (isBytes(value)) return { name, value: asBuffer(value), filename: name, contentType: DEFAULT_FILE_TYPE };
  if (value && typeof value === 'object' && 'value' in value) {
    const part = value as { value: unknown; filename?: unknown; contentType?: unknown };
    const { filename, contentType } = part;
    if (filename !== undefined && typeof filename !== 'string') throw unusable(name, 'its filename is not a string');
    if (contentType !== undefined && typeof contentType !== 'string') {
      throw unusable(name, 'its contentType is not a string');
    }
    if (typeof part.value === 'string' && filename === undefined && contentType === undefined) {
      return { name, value: Buffer.from(part.value, 'utf8') };
    }
    if (typeof part.value !== 'string' && !isBytes(part.value)) {
      throw unusable(name, 'its value is not a Buffer or string');
    }
    const bytes = typeof part.value === 'string' ? Buffer.from(part.value, 'utf8') : asBuffer(part.value);
    const type = contentType || (typeof part.value === 'string' ? 'text/plain; charset=utf-8' : DEFAULT_FILE_TYPE);
    return { name, value: bytes, filename: filename || name, contentType: type };
  }
  throw unusable(name, `a ${describe(value)} is not a field or a file`);
}

function partHeaders(part: Part): string {
  let disposition = `Content-Disposition: form-data; name="${escapeName(part.name)}"`;
  if (part.filename !== undefined) disposition += `; filename="${escapeName(part.filename)}"`;
  const type = part.contentType ? `${CRLF}Content-Type: ${part.contentType.replace(/[\r\n]/g, ' ')}` : '';
  return `${disposition}${type}${CRLF}`;
}

/** As browsers and the fetch standard write names: `"`, CR and LF percent-encoded, UTF-8 otherwise. */
function escapeName(name: string): string {
  return name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** A Buffer over the same memory (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'nested array';
  return typeof value === 'object' ? 'object without value' : typeof value;
}

/** Names the field, never its content (it may be a secret or a large file). */
function unusable(name: string, reason: string): RestError {
  return new RestError(
    'ERR_VALUE',
    `msg.payload.${name} cannot be sent as a multipart part: ${reason} (use a string, number, Buffer or {value, filename, contentType}).`,
  );
}
