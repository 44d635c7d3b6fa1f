/**
 * A secret a server echoes, lying across the place where an error text is cut, is masked whole:
 * the text is redacted first, then cut, so not even its first characters show. Covers the 1 KB
 * excerpt of msg.responseBody (HTTP 500, ERR_NOT_JSON, an ERR_VALUE found in a response), the
 * 60-character quote of a value in ERR_VALUE messages (scalar conversion, paging's next link),
 * the log, msg.error (message, stack, cause), for the secret as is, base64- and URL-encoded,
 * through real nodes (node-red-node-test-helper, dist/) and a loopback API that echoes it.
 */
import assert from 'node:assert/strict';
import { startApi, json, type ReceivedRequest, type Routes } from '../support/loopback-server';
import { flowWith, helper, load, nextMessage, useNodeRed } from '../support/node-red';

/** The bearer token of the connection: characters that base64 and URL encoding both change. */
const TOKEN = 'Tok+en/Secret=Value~0123456789abcdefXYZ';
const FORMS: Record<string, string> = {
  raw: TOKEN,
  base64: Buffer.from(TOKEN).toString('base64'),
  'URL-encoded': encodeURIComponent(TOKEN),
};
const EXCERPT_BYTES = 1024;
const QUOTE_CHARS = 60;
const LINK_QUOTE_CHARS = 200;

type Caught = {
  error: { code: string; message: string; stack?: string; cause?: { message?: string } };
  responseBody?: string;
};

/** Text with `secret` starting `before` characters ahead of `cut`: it lies across the cut. */
function across(cut: number, before: number, secret: string, fill = 'x'): string {
  return fill.repeat(cut - before) + secret + 'y'.repeat(200);
}

/** How many characters of the secret sit before the cut, in each test: one, about half, all but one. */
function positions(secret: string): number[] {
  return [1, Math.floor(secret.length / 2), secret.length - 1];
}

/** The excerpt the user should see: the body with the secret masked, then cut. Reports only the ends on a mismatch. */
function assertExcerpt(actual: string | undefined, expected: string): void {
  const ends = (text = '') => `${text.length} characters, ending "${text.slice(-48)}"`;
  assert.ok(actual === expected, `msg.responseBody: ${ends(actual)}; expected ${ends(expected)}`);
}

/** No piece of the secret (3 characters or more of its start) is in the text. */
function assertNoPieceOf(secret: string, text: string, where: string): void {
  for (let length = secret.length; length >= 3; length--) {
    assert.ok(!text.includes(secret.slice(0, length)), `${where} shows the first ${length} characters of the secret`);
  }
}

describe('nodes: a secret across the cut of an error excerpt', function () {
  let api: Awaited<ReturnType<typeof startApi>>;
  useNodeRed();

  before(async () => {
    // ?form=…&before=… places the echoed token in that form across the cut.
    const place = (record: ReceivedRequest, cut: number) => {
      const token = (record.headers.authorization ?? '').replace(/^Bearer /, '');
      const secret =
        record.query.form === 'base64'
          ? Buffer.from(token).toString('base64')
          : record.query.form === 'URL-encoded'
            ? encodeURIComponent(token)
            : token;
      return across(cut, Number(record.query.before), secret);
    };
    const routes: Routes = {
      'GET /fails': (_req, res, record) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(place(record, EXCERPT_BYTES));
      },
      'GET /html': (_req, res, record) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(place(record, EXCERPT_BYTES));
      },
      // The value's JSON text starts with its quote mark: the cut is at character 60 of `"…`.
      'GET /value': (_req, res, record) => json(res, 200, { value: place(record, QUOTE_CHARS - 1) }),
      // valuePath finds nothing: ERR_VALUE carries the body's start.
      'GET /no-value': (_req, res, record) => {
        const prefix = '{"other":"';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`${prefix}${place(record, EXCERPT_BYTES - prefix.length)}"}`);
      },
      // Not a URL at all (an unclosed IPv6 bracket): quoted up to 200 characters.
      'GET /bad-link': (_req, res, record) =>
        json(res, 200, { rows: [{ a: 1 }], next: `http://[${place(record, LINK_QUOTE_CHARS - 9)}` }),
      'GET /rows': (_req, res, record) =>
        json(res, 200, { rows: [{ a: 1 }], next: { href: place(record, QUOTE_CHARS - 9) } }),
    };
    api = await startApi(routes);
  });
  after(() => api.close());

  async function caughtFrom(
    type: string,
    node: Record<string, unknown>,
    query: Record<string, string | number>,
    msg: Record<string, unknown> = {},
    connection: Record<string, unknown> = {},
  ) {
    await load(
      flowWith({
        type,
        connection: { baseUrl: api.url, authType: 'bearer', retries: 0, ...connection },
        node: { method: 'GET', ...node },
      }),
      { restConn: { token: TOKEN } },
    );
    const caught = nextMessage('caught');
    helper.getNode('restNode').receive({ payload: 1, query, ...msg });
    return (await caught) as Caught;
  }

  /** Everything the user sees of the failure: the caught message (msg.error with stack and cause) and the log. */
  function seen(caught: Caught): string {
    const log = helper
      .log()
      .getCalls()
      .map((call: { args: unknown[] }) => JSON.stringify(call.args))
      .join('\n');
    return [JSON.stringify(caught), caught.error.message, caught.error.stack, caught.error.cause?.message, log].join(
      '\n',
    );
  }

  for (const [form, secret] of Object.entries(FORMS)) {
    for (const before of positions(secret)) {
      const label = `${form}, ${before} of ${secret.length} characters before the cut`;

      it(`HTTP 500: msg.responseBody is the body redacted, then cut to 1 KB (${label})`, async () => {
        const caught = await caughtFrom('execute-rest-grid', { path: '/fails' }, { form, before });
        assert.equal(caught.error.code, 'ERR_HTTP_STATUS');
        assertExcerpt(
          caught.responseBody,
          ('x'.repeat(EXCERPT_BYTES - before) + '***' + 'y'.repeat(200)).slice(0, EXCERPT_BYTES),
        );
        assertNoPieceOf(secret, seen(caught), 'the caught message or the log');
      });

      it(`ERR_NOT_JSON: msg.responseBody is the body redacted, then cut to 1 KB (${label})`, async () => {
        const caught = await caughtFrom('execute-rest-grid', { path: '/html' }, { form, before });
        assert.equal(caught.error.code, 'ERR_NOT_JSON');
        assertExcerpt(
          caught.responseBody,
          ('x'.repeat(EXCERPT_BYTES - before) + '***' + 'y'.repeat(200)).slice(0, EXCERPT_BYTES),
        );
        assertNoPieceOf(secret, seen(caught), 'the caught message or the log');
      });

      it(`ERR_VALUE: the value quoted in the message is redacted, then cut to 60 characters (${label})`, async () => {
        const caught = await caughtFrom(
          'execute-rest-scalar',
          { path: '/value', valuePath: '$.value', valueType: 'number' },
          { form, before },
        );
        assert.equal(caught.error.code, 'ERR_VALUE');
        const quoted = ('"' + 'x'.repeat(QUOTE_CHARS - 1 - before) + '***' + 'y'.repeat(200)).slice(0, QUOTE_CHARS);
        assert.ok(caught.error.message.includes(`${quoted}…`), caught.error.message);
        assertNoPieceOf(secret, seen(caught), 'the caught message or the log');
      });

      it(`ERR_VALUE found in a response: msg.responseBody is redacted, then cut (${label})`, async () => {
        const caught = await caughtFrom(
          'execute-rest-scalar',
          { path: '/no-value', valuePath: '$.value' },
          { form, before },
        );
        assert.equal(caught.error.code, 'ERR_VALUE');
        const body = `{"other":"${'x'.repeat(EXCERPT_BYTES - 10 - before)}***${'y'.repeat(200)}"}`;
        assertExcerpt(caught.responseBody, body.slice(0, EXCERPT_BYTES));
        assertNoPieceOf(secret, seen(caught), 'the caught message or the log');
      });

      it(`paging: a next link that is not a link is quoted redacted, then cut (${label})`, async () => {
        const caught = await caughtFrom(
          'execute-rest-grid',
          { path: '/rows', rowsPath: '$.rows', paging: 'nextUrl', nextPath: '$.next' },
          { form, before },
        );
        assert.equal(caught.error.code, 'ERR_VALUE');
        const quoted = `{"href":"${'x'.repeat(QUOTE_CHARS - 9 - before)}***${'y'.repeat(200)}"}`.slice(0, QUOTE_CHARS);
        assert.equal(caught.error.message, `page 1: nextPath $.next gave ${quoted}…, not a link`);
        assertNoPieceOf(secret, seen(caught), 'the caught message or the log');
      });

      it(`paging: a next link that is not a URL is quoted redacted, then cut to 200 characters (${label})`, async () => {
        const caught = await caughtFrom(
          'execute-rest-grid',
          { path: '/bad-link', rowsPath: '$.rows', paging: 'nextUrl', nextPath: '$.next' },
          { form, before },
        );
        assert.equal(caught.error.code, 'ERR_VALUE');
        const quoted = `"http://[${'x'.repeat(LINK_QUOTE_CHARS - 9 - before)}***${'y'.repeat(200)}"`;
        assert.equal(
          caught.error.message,
          `page 2: the next page link ${quoted.slice(0, LINK_QUOTE_CHARS)}… is not a valid URL`,
        );
        assertNoPieceOf(secret, seen(caught), 'the caught message or the log');
      });

      it(`a connection header name HTTP refuses is quoted redacted, then cut (${label})`, async () => {
        const name = `${'x'.repeat(QUOTE_CHARS - 1 - before)}${secret} bad`;
        const caught = await caughtFrom(
          'execute-rest-grid',
          { path: '/rows' },
          {},
          {},
          { headers: [{ name, value: 'v' }] },
        );
        assert.equal(caught.error.code, 'ERR_CONFIG');
        const quoted = `"${'x'.repeat(QUOTE_CHARS - 1 - before)}*** bad"`;
        const shown = quoted.length > QUOTE_CHARS ? `${quoted.slice(0, QUOTE_CHARS)}…` : quoted;
        assert.equal(caught.error.message, `Header ${shown} has a character HTTP does not allow in its name or value.`);
        assertNoPieceOf(secret, seen(caught), 'the caught message or the log');
      });
    }
  }
});
