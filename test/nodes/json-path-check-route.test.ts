/**
 * POST /rest-connection/jsonpath-check: the editors' JSONPath check answers with the runtime's
 * own verdict (lib/extract's CompiledPath), and refuses what is not a path.
 */
import assert from 'node:assert/strict';
import { flowWith, helper, load, useNodeRed } from '../support/node-red';
import { MAX_CHECKED_PATH_LENGTH } from '../../nodes/rest-connection/json-path-check-route';

describe('POST /rest-connection/jsonpath-check', function () {
  useNodeRed();
  beforeEach(() => load(flowWith()));

  const check = (body: unknown) => helper.request().post('/rest-connection/jsonpath-check').send(body);

  for (const path of ['$', '$.data.items', 'data.items', '@.x', '[0]', "$['a b']", '$..id', '$.items[?(@.active)]'])
    it(`accepts ${path}`, async function () {
      const res = await check({ path });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { ok: true });
    });

  for (const [path, why] of [
    ['$.data[', /"\[" is not closed/],
    ['$.a b', /space outside brackets/],
    ['$[?(@.a ==)]', /does not parse/],
    ['$[?(process.exit())]', /unknown name "process"/],
    ['   ', /empty/],
  ] as const)
    it(`rejects ${JSON.stringify(path)} with ERR_JSONPATH and the reason`, async function () {
      const res = await check({ path });
      assert.equal(res.status, 200);
      assert.equal(res.body.ok, false);
      assert.equal(res.body.code, 'ERR_JSONPATH');
      assert.match(String(res.body.message), why);
    });

  it('refuses a body without a path, or a path longer than any form holds, with ERR_CONFIG', async function () {
    for (const body of [{}, { path: 42 }, { path: 'x'.repeat(MAX_CHECKED_PATH_LENGTH + 1) }]) {
      const res = await check(body);
      assert.equal(res.status, 400);
      assert.equal((res.body.error as { code?: string }).code, 'ERR_CONFIG');
    }
  });
});
