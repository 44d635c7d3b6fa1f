/**
 * Preview, for the grid and scalar edit dialogs (`POST /rest-connection/preview`): the node's
 * request with the dialog's unsaved settings and a sample msg, through the same functions the
 * nodes run (nodes/shared/grid-pages.ts, scalar-value.ts), so the rows and the value are what
 * the node would output. At most 2 pages, the first 20 rows, the body cut to 64 KB, every
 * secret of the connection masked.
 */
import type { Node, NodeAPI } from 'node-red';
import { gridDefaults, scalarDefaults } from '../../lib/definitions';
import { RestError, isRestError } from '../../lib/errors';
import type { RestClient } from '../../lib/http/rest-client';
import type { RestResponse } from '../../lib/http/rest-response';
import type { GridProperties, ScalarProperties } from '../../lib/types';
import { envLookup } from '../shared/env';
import { compileGrid, gridPages } from '../shared/grid-pages';
import { translator } from '../shared/translate';
import type { Message } from '../shared/message';
import { readSettings } from '../shared/read-settings';
import { requestFromMessage } from '../shared/request-from-message';
import { compileScalar, scalarValue } from '../shared/scalar-value';
import { fitBody } from './fit-body';

export const PREVIEW_MAX_PAGES = 2;
export const PREVIEW_ROWS = 20;

export type PreviewNodeType = 'execute-rest-grid' | 'execute-rest-scalar';

export interface PreviewAnswer {
  statusCode?: number;
  headers?: Record<string, unknown>;
  /** The first page's body: parsed JSON, or text. */
  body?: unknown;
  /** The body was shortened to fit 64 KB. */
  bodyTruncated?: boolean;
  /** Grid: the first 20 rows as the node outputs them. */
  rows?: unknown[];
  /** Grid: rows on the pages fetched. */
  rowCount?: number;
  /** Grid, format arrays: the column names (msg.columns). */
  columns?: string[];
  /** Grid: pages fetched, and whether the API has more than the preview followed. */
  pages?: number;
  morePages?: boolean;
  /** Scalar: the value, and its type as the node outputs it. */
  value?: unknown;
  valueType?: string;
  /** What the node would warn about (e.g. a page identical to the previous one). */
  warnings?: string[];
  error?: { code: string; message: string; statusCode?: number };
}

/**
 * Runs the preview; an error of the request or of the node's settings is part of the answer
 * (`error`), with whatever response came back.
 */
export async function runPreview(
  RED: NodeAPI,
  client: RestClient,
  type: PreviewNodeType,
  nodeConfig: Record<string, unknown>,
  msg: Message,
): Promise<PreviewAnswer> {
  const node = standInNode(RED, nodeConfig, type);
  const lookup = envLookup(RED, node);
  const answer: PreviewAnswer = {};
  try {
    if (type === 'execute-rest-grid') {
      await previewGrid(RED, node, client, readSettings(gridDefaults, nodeConfig, lookup), msg, answer);
    } else {
      await previewScalar(RED, node, client, readSettings(scalarDefaults, nodeConfig, lookup), msg, answer);
    }
  } catch (err) {
    const error = isRestError(err)
      ? err.redact(client.redactor)
      : new RestError('ERR_CONFIG', `Unexpected failure: ${client.redactor.redact(String(err))}`);
    answer.error = {
      code: error.code,
      message: error.message,
      ...(error.statusCode ? { statusCode: error.statusCode } : {}),
    };
    if (answer.statusCode === undefined && error.statusCode !== undefined) {
      answer.statusCode = error.statusCode;
      answer.headers = error.headers;
      answer.body = error.responseBody;
    }
  }
  return answer;
}

async function previewGrid(
  RED: NodeAPI,
  node: Node,
  client: RestClient,
  props: GridProperties,
  msg: Message,
  answer: PreviewAnswer,
): Promise<void> {
  const compiled = compileGrid(
    { ...props, maxPages: Math.min(props.maxPages, PREVIEW_MAX_PAGES) },
    translator(RED, 'execute-rest-grid'),
  );
  if (compiled instanceof RestError) throw compiled;
  const request = await requestFromMessage(RED, node, props, msg);
  const table = compiled.extractor.table();
  const warnings: string[] = [];
  const rows: unknown[] = [];
  answer.pages = 0;
  answer.rowCount = 0;
  for await (const page of gridPages(client, request, compiled.plan, table, (text) => warnings.push(text))) {
    // The client's responses (gridPages fetches with client.request): status included.
    const response = page.response as RestResponse;
    if (page.page === 1) showResponse(answer, client, response, () => response.json());
    answer.pages = page.page;
    answer.rowCount += page.rows.length;
    for (const row of page.rows) if (rows.length < PREVIEW_ROWS) rows.push(row);
  }
  // pages() says so when it stops at maxPages with a next page still to fetch.
  answer.morePages = warnings.some((text) => text.includes('(maxPages)'));
  const others = warnings.filter((text) => !text.includes('(maxPages)'));
  if (others.length) answer.warnings = others.map((text) => client.redactor.redact(text));
  answer.rows = client.redactor.redactDeep(rows);
  if (props.format === 'arrays') answer.columns = table.columnNames();
}

async function previewScalar(
  RED: NodeAPI,
  node: Node,
  client: RestClient,
  props: ScalarProperties,
  msg: Message,
  answer: PreviewAnswer,
): Promise<void> {
  const extractor = compileScalar(props);
  if (extractor instanceof RestError) throw extractor;
  const request = await requestFromMessage(RED, node, props, msg);
  const { value } = await scalarValue(client, request, extractor, (response) =>
    // Shown also when the value is missing: the user picks another path in it.
    showResponse(answer, client, response, () => (request.method === 'HEAD' ? undefined : response.value())),
  );
  answer.value = client.redactor.redactDeep(value);
  answer.valueType = typeOf(value);
}

function showResponse(
  answer: PreviewAnswer,
  client: RestClient,
  response: { statusCode: number; headers: Record<string, unknown>; body: Buffer },
  parse: () => unknown,
): void {
  answer.statusCode = response.statusCode;
  answer.headers = client.redactor.redactDeep(response.headers);
  let parsed: unknown;
  try {
    parsed = parse();
  } catch {
    // Not JSON after all: its text, as the scalar node would take it.
    parsed = response.body.toString('utf8');
  }
  const fitted = fitBody(client.redactor.redactDeep(parsed));
  answer.body = fitted.body;
  if (fitted.truncated) answer.bodyTruncated = true;
}

/** The node's type of value as the editor names it: string, number, boolean, null, array or object. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * The node typed inputs are evaluated for: the deployed one when there is one (its flow and
 * global context), else a stand-in without context (a flow or global value then fails clearly).
 */
function standInNode(RED: NodeAPI, config: Record<string, unknown>, type: PreviewNodeType): Node {
  const id = typeof config.id === 'string' ? config.id : '';
  const deployed = id ? RED.nodes.getNode(id) : null;
  if (deployed && deployed.type === type) return deployed;
  return { id: id || 'preview', type, name: typeof config.name === 'string' ? config.name : '' } as unknown as Node;
}
