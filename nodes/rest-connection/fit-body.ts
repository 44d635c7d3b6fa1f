/**
 * A response body for the edit dialog's JSON tree, at most PREVIEW_BODY_BYTES as JSON: whole when
 * it fits, else with long arrays, objects and strings shortened step by step (the structure the
 * user picks paths from stays), and as a last resort the start of its text.
 */
export const PREVIEW_BODY_BYTES = 64 * 1024;

const STEPS = [
  { items: 50, chars: 2000 },
  { items: 20, chars: 300 },
  { items: 5, chars: 80 },
  { items: 2, chars: 40 },
];

export function fitBody(body: unknown, limit = PREVIEW_BODY_BYTES): { body: unknown; truncated: boolean } {
  try {
    if (sizeOf(body) <= limit) return { body, truncated: false };
    for (const step of STEPS) {
      const cut = shorten(body, step.items, step.chars, 0);
      if (sizeOf(cut) <= limit) return { body: cut, truncated: true };
    }
  } catch {
    // Nested too deep for the stack: the text below.
  }
  const text = typeof body === 'string' ? body : safeStringify(body);
  return { body: text.slice(0, limit), truncated: true };
}

function sizeOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

const MAX_DEPTH = 64;

function shorten(value: unknown, items: number, chars: number, depth: number): unknown {
  if (typeof value === 'string') return value.length > chars ? `${value.slice(0, chars)}…` : value;
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') {
    return value !== null && typeof value === 'object' ? '…' : value;
  }
  if (Array.isArray(value)) return value.slice(0, items).map((item) => shorten(item, items, chars, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value).slice(0, Math.max(items, 50))) {
    Object.defineProperty(copy, key, {
      value: shorten(item, items, chars, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
