/**
 * Reading Proxy-Authenticate headers (RFC 7235) and answering Digest challenges, against the
 * worked examples of RFC 7616 section 3.9.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { parseChallenges } from '../../lib/auth/challenges';
import { digestAuthorization, digestChallengeFrom } from '../../lib/auth/digest/digest';

/** RFC 7616 3.9.1: the same challenge with SHA-256 and with MD5, in that order. */
const RFC_7616_CHALLENGES = [
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
];
const RFC_CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';

/** The value of one parameter in a Digest header we built. */
function param(header: string, name: string): string | undefined {
  return parseChallenges(header)[0]?.params[name];
}

describe('transport: proxy authentication challenges', function () {
  describe('Proxy-Authenticate parsing', function () {
    it('reads one challenge per header, as Squid sends them', function () {
      const challenges = parseChallenges([
        'NTLM',
        'Digest realm="squid", nonce="c2d8", qop="auth", stale=false',
        'Basic realm="basic realm"',
      ]);
      assert.deepEqual(challenges, [
        { scheme: 'NTLM', params: {} },
        { scheme: 'Digest', params: { realm: 'squid', nonce: 'c2d8', qop: 'auth', stale: 'false' } },
        { scheme: 'Basic', params: { realm: 'basic realm' } },
      ]);
    });

    it('reads several challenges in one header, with quoted commas and escapes', function () {
      assert.deepEqual(parseChallenges('Negotiate, NTLM, Basic realm="it\\"s, hidden", charset=UTF-8'), [
        { scheme: 'Negotiate', params: {} },
        { scheme: 'NTLM', params: {} },
        { scheme: 'Basic', params: { realm: 'it"s, hidden', charset: 'UTF-8' } },
      ]);
    });

    it('reads a token68 (NTLM CHALLENGE) with its base64 padding, followed by another challenge', function () {
      assert.deepEqual(parseChallenges('NTLM TlRMTVNTUAACAAAA+/8=, Basic realm=x'), [
        { scheme: 'NTLM', params: {}, token: 'TlRMTVNTUAACAAAA+/8=' },
        { scheme: 'Basic', params: { realm: 'x' } },
      ]);
    });

    it('gives nothing for a missing or empty header, and stops at garbage', function () {
      assert.deepEqual(parseChallenges(undefined), []);
      assert.deepEqual(parseChallenges(''), []);
      assert.deepEqual(parseChallenges('"quoted" first'), []);
    });
  });

  describe('Digest (RFC 7616 3.9.1: Mufasa, "Circle of Life", GET /dir/index.html)', function () {
    const request = { method: 'GET', uri: '/dir/index.html' };

    it('prefers the SHA-256 challenge and answers it as the RFC does', function () {
      const challenge = digestChallengeFrom(parseChallenges(RFC_7616_CHALLENGES));
      assert.equal(challenge?.algorithm, 'SHA-256');
      const header = digestAuthorization(challenge, 'Mufasa', 'Circle of Life', request, 1, RFC_CNONCE);
      assert.equal(param(header, 'response'), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
      assert.equal(param(header, 'username'), 'Mufasa');
      assert.equal(param(header, 'nc'), '00000001');
      assert.equal(param(header, 'qop'), 'auth');
      assert.equal(param(header, 'opaque'), 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
      assert.equal(param(header, 'uri'), '/dir/index.html');
    });

    it('answers the MD5 challenge as the RFC does', function () {
      const challenge = digestChallengeFrom(parseChallenges(RFC_7616_CHALLENGES[1]));
      const header = digestAuthorization(challenge!, 'Mufasa', 'Circle of Life', request, 1, RFC_CNONCE);
      assert.equal(param(header, 'response'), '8ca523f5e9506fed4657c9700eebdbec');
      assert.equal(param(header, 'algorithm'), 'MD5');
    });

    it('counts nonce uses in nc and draws a new cnonce each time', function () {
      const challenge = digestChallengeFrom(parseChallenges(RFC_7616_CHALLENGES[1]))!;
      const first = digestAuthorization(challenge, 'Mufasa', 'Circle of Life', request, 1);
      const second = digestAuthorization(challenge, 'Mufasa', 'Circle of Life', request, 0x1f);
      assert.equal(param(second, 'nc'), '0000001f');
      assert.notEqual(param(first, 'cnonce'), param(second, 'cnonce'));
      assert.notEqual(param(first, 'response'), param(second, 'response'));
    });

    it('answers -sess and qop-less (RFC 2069) challenges, and hashes the user name when asked', function () {
      const md5 = (text: string) => crypto.createHash('md5').update(text).digest('hex');
      const sess = digestChallengeFrom(parseChallenges('Digest realm="r", nonce="n", algorithm=MD5-sess, qop=auth'))!;
      const sessHeader = digestAuthorization(sess, 'u', 'p', request, 1, 'c');
      const ha1 = md5(`${md5('u:r:p')}:n:c`);
      assert.equal(param(sessHeader, 'response'), md5(`${ha1}:n:00000001:c:auth:${md5('GET:/dir/index.html')}`));

      const legacy = digestChallengeFrom(parseChallenges('Digest realm="r", nonce="n"'))!;
      const legacyHeader = digestAuthorization(legacy, 'u', 'p', request, 1, 'c');
      assert.equal(param(legacyHeader, 'response'), md5(`${md5('u:r:p')}:n:${md5('GET:/dir/index.html')}`));
      assert.equal(param(legacyHeader, 'nc'), undefined);

      const hashed = digestChallengeFrom(parseChallenges('Digest realm="r", nonce="n", qop=auth, userhash=true'))!;
      assert.equal(param(digestAuthorization(hashed, 'u', 'p', request, 1), 'username'), md5('u:r'));
    });

    it('quotes a user name with quotes or a backslash, and sends a non-ASCII one as username*', function () {
      const challenge = digestChallengeFrom(parseChallenges('Digest realm="r", nonce="n", qop=auth'))!;
      assert.equal(param(digestAuthorization(challenge, 'CORP\\al"ice', 'p', request, 1), 'username'), 'CORP\\al"ice');
      assert.match(digestAuthorization(challenge, 'Jäsøn', 'p', request, 1), /username\*=UTF-8''J%C3%A4s%C3%B8n,/);
    });

    it('answers no challenge it cannot: auth-int only, an unknown algorithm, no nonce', function () {
      for (const header of [
        'Digest realm="r", nonce="n", qop="auth-int"',
        'Digest realm="r", nonce="n", algorithm=SHA3-512',
        'Digest realm="r"',
        'Basic realm="r"',
      ]) {
        assert.equal(digestChallengeFrom(parseChallenges(header)), undefined, header);
      }
    });

    it('reads stale=true', function () {
      assert.equal(digestChallengeFrom(parseChallenges('Digest realm="r", nonce="n", stale=TRUE'))?.stale, true);
      assert.equal(digestChallengeFrom(parseChallenges('Digest realm="r", nonce="n"'))?.stale, false);
    });
  });
});
