// The bundled demo API (demo-api/server.js), endpoint by endpoint, on a real port.
import assert from 'node:assert/strict';
import { startDemoApi, USERS, type DemoUser, type RunningDemoApi } from '../support/demo-api';

interface Answer<T> {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON when the answer is JSON (read as `T`), its text otherwise. */
  body: T;
}

interface ErrorBody {
  error: { status: number; message: string };
}

/** A page of /api/paged/*. */
interface PageBody {
  data: DemoUser[];
  page?: number;
  per_page?: number;
  total?: number;
  next?: string | null;
  next_cursor?: string | null;
}

describe('demo API', function () {
  let api: RunningDemoApi;

  before(async function () {
    api = await startDemoApi({ port: 0 });
  });

  after(async function () {
    await api.close();
  });

  async function get<T = unknown>(path: string, init: RequestInit = {}): Promise<Answer<T>> {
    const response = await fetch(`${api.baseUrl}${path}`, init);
    const text = await response.text();
    const isJson = String(response.headers.get('content-type')).startsWith('application/json');
    return { status: response.status, headers: response.headers, text, body: (isJson ? JSON.parse(text) : text) as T };
  }

  it('listens on loopback and reports its URLs', function () {
    assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(api.baseUrl, `${api.url}/api`);
    assert.ok(api.port > 0);
  });

  it('GET /api lists the endpoints', async function () {
    const { status, body } = await get<{ name: string; endpoints: string[] }>('');
    assert.equal(status, 200);
    assert.equal(body.name, 'demo-api');
    assert.ok(body.endpoints.includes('GET /api/users'));
  });

  it('GET /api/users returns the same 25 users every time', async function () {
    const { status, body } = await get<DemoUser[]>('/users');
    assert.equal(status, 200);
    assert.equal(body.length, 25);
    assert.deepEqual(body, USERS);
    assert.deepEqual(body[0], {
      id: 1,
      name: 'Ada Lovelace',
      email: 'ada.lovelace1@example.com',
      address: { street: '1 Main Street', city: 'London' },
      active: true,
    });
    for (const user of body) {
      assert.equal(typeof user.name, 'string');
      assert.match(user.email, /@example\.com$/);
      assert.equal(typeof user.address.city, 'string');
      assert.equal(typeof user.active, 'boolean');
    }
    assert.ok(
      body.some((user) => !user.active),
      'some users are inactive',
    );
  });

  it('GET /api/users/:id returns one user, or a 404 JSON error', async function () {
    const found = await get<DemoUser>('/users/7');
    assert.equal(found.status, 200);
    assert.equal(found.body.id, 7);
    const missing = await get<ErrorBody>('/users/999');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.status, 404);
    assert.match(missing.body.error.message, /999/);
  });

  it('POST /api/users echoes a JSON or form body with an id and 201', async function () {
    const json = await get('/users', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'New User' }),
    });
    assert.equal(json.status, 201);
    assert.deepEqual(json.body, { name: 'New User', id: 26 });
    assert.equal(json.headers.get('location'), '/api/users/26');
    const form = await get('/users', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'name=Form+User',
    });
    assert.equal(form.status, 201);
    assert.deepEqual(form.body, { name: 'Form User', id: 26 });
  });

  it('POST /api/users rejects broken JSON and non-objects with 400', async function () {
    const broken = await get<ErrorBody>('/users', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"name":',
    });
    assert.equal(broken.status, 400);
    assert.match(broken.body.error.message, /not valid JSON/);
    const list = await get('/users', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[1]' });
    assert.equal(list.status, 400);
  });

  it('answers 405 for a method an endpoint does not take', async function () {
    assert.equal((await get('/users/1', { method: 'DELETE' })).status, 405);
    assert.equal((await get('/stats/count', { method: 'POST', body: '{}' })).status, 405);
  });

  it('GET /api/stats/count is {"count": 25}', async function () {
    const { status, body, text } = await get('/stats/count');
    assert.equal(status, 200);
    assert.equal(text, '{"count":25}');
    assert.deepEqual(body, { count: 25 });
  });

  it('GET /api/stats/version is text/plain', async function () {
    const { status, headers, body } = await get('/stats/version');
    assert.equal(status, 200);
    assert.match(headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(body, '1.0.0');
  });

  describe('paging', function () {
    async function collect<T>(
      firstPath: string,
      nextOf: (page: Answer<T>) => { pageRows: DemoUser[]; next: string | null | undefined },
    ): Promise<DemoUser[]> {
      const rows: DemoUser[] = [];
      let path: string | null | undefined = firstPath;
      for (let guard = 0; path && guard < 20; guard++) {
        const page: Answer<T> = await get<T>(path);
        assert.equal(page.status, 200);
        const { pageRows, next } = nextOf(page);
        rows.push(...pageRows);
        path = next;
      }
      return rows;
    }

    it('page numbers: /paged/pages?page=&per_page= ends with an empty page', async function () {
      const first = await get<PageBody>('/paged/pages?page=1&per_page=10');
      assert.deepEqual(
        { page: first.body.page, per_page: first.body.per_page, total: first.body.total },
        { page: 1, per_page: 10, total: 25 },
      );
      assert.deepEqual(
        first.body.data.map((user) => user.id),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.equal((await get<PageBody>('/paged/pages?page=3&per_page=10')).body.data.length, 5);
      assert.equal((await get<PageBody>('/paged/pages?page=4&per_page=10')).body.data.length, 0);
    });

    it('offset and limit: /paged/offset?offset=&limit=', async function () {
      const { body } = await get<PageBody>('/paged/offset?offset=20&limit=10');
      assert.deepEqual(
        body.data.map((user) => user.id),
        [21, 22, 23, 24, 25],
      );
      assert.equal(body.total, 25);
      assert.equal((await get<PageBody>('/paged/offset?offset=25&limit=10')).body.data.length, 0);
    });

    it('next link in the body: /paged/next, null on the last page', async function () {
      const rows = await collect<PageBody>('/paged/next?per_page=10', (page) => ({
        pageRows: page.body.data,
        next: page.body.next?.replace(/^\/api/, ''),
      }));
      assert.deepEqual(rows, USERS);
      assert.equal((await get<PageBody>('/paged/next?page=3&per_page=10')).body.next, null);
    });

    it('RFC 8288 Link header: /paged/link, a bare array per page', async function () {
      const first = await get('/paged/link?per_page=10');
      assert.equal(first.headers.get('link'), '</api/paged/link?page=2&per_page=10>; rel="next"');
      const rows = await collect<DemoUser[]>('/paged/link?per_page=10', (page) => {
        const match = /<\/api([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '');
        return { pageRows: page.body, next: match?.[1] };
      });
      assert.deepEqual(rows, USERS);
    });

    it('cursor: /paged/cursor?cursor=&limit=, next_cursor null at the end', async function () {
      const rows = await collect<PageBody>('/paged/cursor?limit=10', (page) => ({
        pageRows: page.body.data,
        next: page.body.next_cursor ? `/paged/cursor?limit=10&cursor=${page.body.next_cursor}` : null,
      }));
      assert.deepEqual(rows, USERS);
      const bad = await get('/paged/cursor?cursor=bm90LWEtbnVtYmVy');
      assert.equal(bad.status, 400);
    });

    it('an unknown paging style is a 404', async function () {
      assert.equal((await get('/paged/sideways')).status, 404);
    });
  });

  it('GET /api/slow?ms= answers after the delay', async function () {
    // A 150 ms timer set before the request: Node fires timers of one duration in the order they
    // were set, so an answer that waited its 150 ms comes after this one fired.
    let fired = false;
    setTimeout(() => (fired = true), 150);
    const { status, body } = await get('/slow?ms=150');
    assert.equal(fired, true, 'answered before its delay');
    assert.equal(status, 200);
    assert.deepEqual(body, { delayedMs: 150 });
  });

  it('GET /api/status/:code answers that code with a JSON error body', async function () {
    for (const code of [400, 404, 418, 429, 500, 503]) {
      const { status, body } = await get<ErrorBody>(`/status/${code}`);
      assert.equal(status, code);
      assert.equal(body.error.status, code);
    }
    assert.equal((await get('/status/204')).status, 204);
    assert.deepEqual((await get('/status/201')).body, { status: 201 });
    assert.equal((await get('/status/99')).status, 400);
    assert.equal((await get('/status/abc')).status, 400);
  });

  it('ANY /api/echo reflects method, query, headers and body', async function () {
    const { body } = await get<{ method: string; query: unknown; headers: Record<string, string>; body: unknown }>(
      '/echo?a=1',
      {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'X-Trace': 't1' },
        body: '{"x":1}',
      },
    );
    assert.equal(body.method, 'PUT');
    assert.deepEqual(body.query, { a: '1' });
    assert.equal(body.headers['x-trace'], 't1');
    assert.deepEqual(body.body, { x: 1 });
  });

  it('GET /api/rows?count= generates that many rows', async function () {
    const { body } = await get<object[]>('/rows?count=1000');
    assert.equal(body.length, 1000);
    assert.deepEqual(Object.keys(body[999] ?? {}), ['id', 'name', 'value', 'tags', 'nested']);
  });

  describe('/api/secure', function () {
    it('answers 401 without credentials or with wrong ones', async function () {
      const attempts: Record<string, string>[] = [
        {},
        { Authorization: 'Bearer wrong' },
        { Authorization: `Basic ${Buffer.from('demo:wrong').toString('base64')}` },
        { 'X-API-Key': 'wrong' },
      ];
      for (const headers of attempts) {
        const { status, headers: responseHeaders, body } = await get<ErrorBody>('/secure/whoami', { headers });
        assert.equal(status, 401);
        assert.equal(responseHeaders.get('www-authenticate'), 'Bearer realm="demo-api"');
        assert.equal(body.error.status, 401);
      }
    });

    it('accepts the bearer token, basic demo:demo and the API key in header or query', async function () {
      const cases: [RequestInit, string, string][] = [
        [{ headers: { Authorization: 'Bearer demo-token' } }, '', 'bearer'],
        [{ headers: { Authorization: `Basic ${Buffer.from('demo:demo').toString('base64')}` } }, '', 'basic'],
        [{ headers: { 'X-API-Key': 'demo-key' } }, '', 'apiKey'],
        [{}, '?api_key=demo-key', 'apiKey'],
        [{}, '?X-API-Key=demo-key', 'apiKey'],
      ];
      for (const [init, query, authenticatedBy] of cases) {
        const { status, body } = await get(`/secure/whoami${query}`, init);
        assert.equal(status, 200, authenticatedBy);
        assert.deepEqual(body, { authenticated: true, authenticatedBy });
      }
      const users = await get<DemoUser[]>('/secure/users', { headers: { Authorization: 'Bearer demo-token' } });
      assert.equal(users.body.length, 25);
      const missing = await get('/secure/nothing', { headers: { Authorization: 'Bearer demo-token' } });
      assert.equal(missing.status, 404);
    });
  });

  it('answers 404 JSON outside /api and for unknown endpoints', async function () {
    const outside = await fetch(`${api.url}/other`);
    assert.equal(outside.status, 404);
    assert.equal(((await outside.json()) as ErrorBody).error.status, 404);
    assert.equal((await get('/nothing')).status, 404);
  });

  it('close() returns while a slow request is still in flight', async function () {
    const other = await startDemoApi({ port: 0 });
    const pending = fetch(`${other.baseUrl}/slow?ms=60000`).catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Waiting for the request's 60 s would end in the test's timeout.
    await other.close();
    assert.ok((await pending) instanceof Error, 'the in-flight request was cut');
  });

  it('rejects when the port is taken', async function () {
    await assert.rejects(startDemoApi({ port: api.port }), { code: 'EADDRINUSE' });
  });
});
