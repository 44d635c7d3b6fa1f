/**
 * nodes/shared/env.ts: `${NAME}` and `${NAME:-default}` references in settings, expanded with a
 * lookup as Node-RED's (group and flow env, then the process environment).
 */
import assert from 'node:assert/strict';
import { expandEnv, expandEnvDeep } from '../../../nodes/shared/env';

const variables: Record<string, unknown> = { HOST: 'api.example.com', EMPTY: '', PORT: 8443, OBJ: { a: 1 } };
const lookup = (name: string): unknown => variables[name];

describe('expandEnv: ${NAME} and ${NAME:-default} in a setting', () => {
  it('replaces a set variable anywhere in the text', () => {
    assert.equal(expandEnv('https://${HOST}:${PORT}/v1', lookup), 'https://api.example.com:8443/v1');
  });

  it('keeps an unset ${NAME} as written, so the setting fails where the user can see it', () => {
    assert.equal(expandEnv('https://${MISSING}/v1', lookup), 'https://${MISSING}/v1');
  });

  it('uses the default of ${NAME:-default} when the variable is unset', () => {
    assert.equal(expandEnv('${REST_DEMO_URL:-http://127.0.0.1:8765/api}', lookup), 'http://127.0.0.1:8765/api');
    assert.equal(expandEnv('https://${MISSING:-localhost}:${PORT}/v1', lookup), 'https://localhost:8443/v1');
  });

  it('uses the default when the variable is set but empty, as a shell does', () => {
    assert.equal(expandEnv('${EMPTY:-fallback}', lookup), 'fallback');
    assert.equal(expandEnv('[${EMPTY}]', lookup), '[]');
  });

  it('uses the variable over the default when it is set', () => {
    assert.equal(expandEnv('https://${HOST:-localhost}/v1', lookup), 'https://api.example.com/v1');
    assert.equal(expandEnv('${PORT:-80}', lookup), '8443');
  });

  it('accepts an empty default, and a default with colons, slashes and dashes', () => {
    assert.equal(expandEnv('a${MISSING:-}b', lookup), 'ab');
    assert.equal(expandEnv('${MISSING:-http://h:1/a-b?c=d}', lookup), 'http://h:1/a-b?c=d');
  });

  it('takes the default literally: it ends at the first } and is not expanded itself', () => {
    // The default is `${HOST`, the second } is plain text after the reference.
    assert.equal(expandEnv('${MISSING:-${HOST}}', lookup), '${HOST}');
    assert.equal(expandEnv('${MISSING:-a}b}', lookup), 'ab}');
  });

  it('writes an object value as JSON, never [object Object]', () => {
    assert.equal(expandEnv('${OBJ:-x}', lookup), '{"a":1}');
  });

  it('leaves text that only looks like a reference alone', () => {
    for (const text of ['${1ABC}', '${NAME-default}', '${NAME:default}', '$HOST', '${ HOST }']) {
      assert.equal(expandEnv(text, lookup), text);
    }
  });

  it('expands inside lists and objects (headers, columns) without changing the original', () => {
    const settings = { baseUrl: '${MISSING:-http://h}', headers: [{ name: 'X-Host', value: '${HOST}' }], timeout: 5 };
    const expanded = expandEnvDeep(settings, lookup);
    assert.deepEqual(expanded, {
      baseUrl: 'http://h',
      headers: [{ name: 'X-Host', value: 'api.example.com' }],
      timeout: 5,
    });
    assert.equal(settings.baseUrl, '${MISSING:-http://h}');
  });
});
