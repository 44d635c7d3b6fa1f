/** NO_PROXY / noProxy matching rules (pure logic; the proxy tests check them against a real proxy). */
import assert from 'node:assert/strict';
import { NoProxyList } from '../../lib/transport/no-proxy';

describe('transport: noProxy matching', function () {
  const cases: [list: string, hostname: string, port: number, bypasses: boolean][] = [
    ['', 'api.example.com', 443, false],
    ['*', 'anything.test', 80, true],
    ['example.com', 'example.com', 443, true],
    ['example.com', 'api.example.com', 443, true],
    ['example.com', 'notexample.com', 443, false],
    ['.example.com', 'api.example.com', 443, true],
    ['.example.com', 'example.com', 443, true],
    ['*.example.com', 'deep.api.example.com', 443, true],
    ['example.com:8443', 'api.example.com', 8443, true],
    ['example.com:8443', 'api.example.com', 443, false],
    ['EXAMPLE.com', 'Api.Example.COM', 443, true],
    ['localhost, 127.0.0.1  internal.corp', 'internal.corp', 80, true],
    ['localhost,127.0.0.1', '127.0.0.2', 80, false],
    ['::1', '[::1]', 80, true],
    ['[::1]:8080', '[::1]', 8080, true],
    ['[::1]:8080', '[::1]', 80, false],
    ['example.com', 'example.com.', 443, true],
  ];
  for (const [list, hostname, port, expected] of cases) {
    it(`"${list}" ${expected ? 'bypasses' : 'does not bypass'} ${hostname}:${port}`, function () {
      assert.equal(new NoProxyList(list).bypasses(hostname, port), expected);
    });
  }
});
