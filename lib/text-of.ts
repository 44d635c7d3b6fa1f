/** A value from a message, the environment or settings.js as the text a header, a method, a setting or a message takes. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // An object as JSON, not "[object Object]" (a function or symbol has no text: its type).
  return JSON.stringify(value) ?? typeof value;
}
