/**
 * Checks a JSONPath up front, where jsonpath-plus would accept almost anything (a missing `]` is
 * silently ignored) or fail only on the first message: unbalanced brackets or quotes, empty steps,
 * stray spaces, and filter expressions that do not parse or use unknown names.
 */
import { JSONPath } from 'jsonpath-plus';

/** Names jsonpath-plus puts in a filter's sandbox (`@` becomes `_$_v`, `@root` `_$_root`, ...). */
const SANDBOX_NAMES = new Set([
  '_$_v',
  '_$_root',
  '_$_parent',
  '_$_parentProperty',
  '_$_property',
  '_$_path',
  'undefined',
]);

interface SafeScriptClass {
  new (code: string): { ast: unknown };
}
/** jsonpath-plus's own sandboxed expression parser (jsep), used to check filters up front. */
const SafeScript = (JSONPath as unknown as { prototype: { safeVm: { Script: SafeScriptClass } } }).prototype.safeVm
  .Script;

/**
 * jsonpath-plus accepts almost any text (a missing `]` is silently ignored), so the mistakes a
 * user makes are caught here: unbalanced brackets or quotes, empty steps, stray spaces.
 */
export function checkSyntax(path: string): string | undefined {
  if (path.length > 1 && path[1] !== '.' && path[1] !== '[') {
    return 'after $ comes . or [';
  }
  let depth = 0;
  let parens = 0;
  let quote = '';
  let bracketStart = -1;
  for (let i = 1; i < path.length; i++) {
    const c = path.charAt(i);
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (depth > 0 && (c === "'" || c === '"')) {
      quote = c;
    } else if (c === '[') {
      if (depth === 0) bracketStart = i;
      depth++;
    } else if (c === ']') {
      if (depth === 0) return `"]" at position ${i + 1} has no matching "["`;
      depth--;
      if (depth === 0 && path.slice(bracketStart + 1, i).trim() === '') return 'empty [ ]';
    } else if (depth > 0 && c === '(') {
      parens++;
    } else if (depth > 0 && c === ')') {
      if (parens === 0) return `")" at position ${i + 1} has no matching "("`;
      parens--;
    } else if (depth === 0 && /\s/.test(c)) {
      return "a space outside brackets (write a name with spaces as ['first name'])";
    } else if (depth === 0 && c === '.' && path.startsWith('...', i)) {
      return 'too many dots';
    }
  }
  if (quote) return `unterminated ${quote} quote`;
  if (depth > 0) return 'a "[" is not closed';
  if (parens > 0) return 'a "(" is not closed';
  if (path.length > 1 && path.endsWith('.')) return 'it ends with "."';
  return undefined;
}

/** Parses a filter or script step the way jsonpath-plus will, so its mistakes show up front. */
export function checkScript(step: string): string | undefined {
  let code: string;
  if (step.startsWith('?(') && step.endsWith(')')) code = step.slice(2, -1);
  else if (step.startsWith('(') && step.endsWith(')')) code = step;
  else return undefined;
  // A nested filter (?(@.tags[?(...)])) is matched by jsonpath-plus itself, not evaluated.
  if (/@.?([^?]*)[['](\??\(.*?\))(?!.\)\])[\]']/.test(code)) return undefined;
  const script = code
    .replaceAll('@parentProperty', '_$_parentProperty')
    .replaceAll('@parent', '_$_parent')
    .replaceAll('@property', '_$_property')
    .replaceAll('@root', '_$_root')
    .replaceAll('@path', '_$_path')
    .replace(/@([.\s)[])/g, '_$_v$1');
  let ast: unknown;
  try {
    ast = new SafeScript(script).ast;
  } catch (err) {
    return `the expression ${code} does not parse (${err instanceof Error ? err.message : String(err)})`;
  }
  const unknownName = findUnknownName(ast);
  if (unknownName) {
    return `unknown name "${unknownName}" in ${code} (use @ for the current item, @root for the document)`;
  }
  return undefined;
}

function findUnknownName(node: unknown): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findUnknownName(item);
      if (found) return found;
    }
    return undefined;
  }
  const n = node as Record<string, unknown>;
  if (n.type === 'Identifier') {
    const name = String(n.name);
    return SANDBOX_NAMES.has(name) ? undefined : name;
  }
  if (n.type === 'MemberExpression' && !n.computed) return findUnknownName(n.object);
  for (const value of Object.values(n)) {
    const found = findUnknownName(value);
    if (found) return found;
  }
  return undefined;
}
