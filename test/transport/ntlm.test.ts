/**
 * NTLM messages against the published test vectors: RFC 1320's MD4 test suite and the NTLMv2
 * worked example of MS-NLMP section 4.2.4 (user "User", domain "Domain", password "Password",
 * server challenge 0123456789abcdef, client challenge aa..aa, time 0).
 */
import assert from 'node:assert/strict';
import { md4 } from '../../lib/transport/ntlm/md4';
import {
  NTLM_FLAGS,
  NtlmMessageError,
  authenticateMessage,
  negotiateMessage,
  parseChallengeMessage,
} from '../../lib/transport/ntlm/messages';
import { fileTimeNow, ntHash, ntlmv2Responses, ntowfv2 } from '../../lib/transport/ntlm/ntlmv2';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** MS-NLMP 4.2.4.3: the CHALLENGE_MESSAGE of the NTLMv2 example (target "Server", domain "Domain"). */
const SPEC_CHALLENGE = hex(`
  4e544c4d53535000 02000000 0c000c00 38000000 33828ae2 0123456789abcdef 0000000000000000
  24002400 44000000 060070170000000f 530065007200760065007200
  02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000`);
const SPEC_TARGET_INFO = hex('02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000');
const SPEC_CLIENT_CHALLENGE = hex('aaaaaaaaaaaaaaaa');
const SPEC_SERVER_CHALLENGE = hex('0123456789abcdef');

describe('transport: NTLM', function () {
  describe('MD4 (RFC 1320 test suite)', function () {
    const suite: [string, string][] = [
      ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
      ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
      ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
      ['message digest', 'd9130a8164549fe818874806e1c7014b'],
      ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
      ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
    ];
    for (const [input, digest] of suite) {
      it(`MD4("${input.length > 20 ? `${input.slice(0, 20)}…` : input}") = ${digest}`, function () {
        assert.equal(md4(Buffer.from(input)).toString('hex'), digest);
      });
    }
  });

  describe('NTLMv2 (MS-NLMP 4.2.4)', function () {
    it('NT hash of "Password" (4.2.2.1.2 NTOWFv1)', function () {
      assert.equal(ntHash('Password').toString('hex'), 'a4f49c406510bdcab6824ee7c30fd852');
    });

    it('NTOWFv2 (4.2.4.1.1)', function () {
      assert.equal(ntowfv2(ntHash('Password'), 'User', 'Domain').toString('hex'), '0c868a403bfd7a93a3001ef22ef02e3f');
    });

    it('LMv2 response (4.2.4.2.1) and NTProofStr of the NTLMv2 response (4.2.4.2.2)', function () {
      const { lmResponse, ntResponse } = ntlmv2Responses({
        ntHash: ntHash('Password'),
        user: 'User',
        domain: 'Domain',
        serverChallenge: SPEC_SERVER_CHALLENGE,
        targetInfo: SPEC_TARGET_INFO,
        clientChallenge: SPEC_CLIENT_CHALLENGE,
        time: Buffer.alloc(8),
        serverSentTime: false,
      });
      assert.equal(lmResponse.toString('hex'), '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
      assert.equal(ntResponse.subarray(0, 16).toString('hex'), '68cd0ab851e51c96aabc927bebef6a1c');
      assert.deepEqual(
        ntResponse.subarray(16),
        Buffer.concat([
          hex('0101000000000000'),
          Buffer.alloc(8),
          SPEC_CLIENT_CHALLENGE,
          Buffer.alloc(4),
          SPEC_TARGET_INFO,
          Buffer.alloc(4),
        ]),
      );
    });

    it('reads the example CHALLENGE message (4.2.4.3)', function () {
      const challenge = parseChallengeMessage(SPEC_CHALLENGE);
      assert.equal(challenge.flags >>> 0, 0xe28a8233);
      assert.deepEqual(challenge.serverChallenge, SPEC_SERVER_CHALLENGE);
      assert.deepEqual(challenge.targetInfo, SPEC_TARGET_INFO);
      assert.equal(challenge.timestamp, undefined);
    });

    it('answers the example challenge with an AUTHENTICATE message carrying the spec responses', function () {
      const challenge = parseChallengeMessage(SPEC_CHALLENGE);
      const message = authenticateMessage(
        challenge,
        { user: 'User', domain: 'Domain', ntHash: ntHash('Password') },
        SPEC_CLIENT_CHALLENGE,
      );
      assert.equal(message.toString('latin1', 0, 8), 'NTLMSSP\0');
      assert.equal(message.readUInt32LE(8), 3);
      const field = (at: number) => {
        const length = message.readUInt16LE(at);
        const offset = message.readUInt32LE(at + 4);
        return message.subarray(offset, offset + length);
      };
      // The time is now (the example's challenge has no MsvAvTimestamp), so only the parts without it are fixed.
      assert.equal(field(12).toString('hex'), '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
      assert.deepEqual(field(20).subarray(16, 24), hex('0101000000000000'));
      assert.deepEqual(field(20).subarray(32, 40), SPEC_CLIENT_CHALLENGE);
      assert.deepEqual(field(20).subarray(44, 44 + SPEC_TARGET_INFO.length), SPEC_TARGET_INFO);
      assert.equal(field(28).toString('utf16le'), 'Domain');
      assert.equal(field(36).toString('utf16le'), 'User');
      assert.equal(field(44).length, 0, 'no workstation name is sent');
      assert.equal(field(52).length, 0, 'no session key');
      const flags = message.readUInt32LE(60);
      assert.ok(flags & NTLM_FLAGS.UNICODE && flags & NTLM_FLAGS.NTLM && !(flags & NTLM_FLAGS.OEM));
    });

    it('uses the server time (MsvAvTimestamp) when the challenge has one, and then sends no LMv2 response', function () {
      const serverTime = fileTimeNow(Date.UTC(2020, 0, 1));
      const targetInfo = Buffer.concat([hex('07000800'), serverTime, hex('00000000')]);
      const challenge = buildChallenge(NTLM_FLAGS.UNICODE | NTLM_FLAGS.TARGET_INFO, targetInfo);
      const parsed = parseChallengeMessage(challenge);
      assert.deepEqual(parsed.timestamp, serverTime);
      const message = authenticateMessage(parsed, { user: 'u', domain: 'D', ntHash: ntHash('p') });
      const lm = message.subarray(message.readUInt32LE(16), message.readUInt32LE(16) + message.readUInt16LE(12));
      const nt = message.subarray(message.readUInt32LE(24), message.readUInt32LE(24) + message.readUInt16LE(20));
      assert.deepEqual(lm, Buffer.alloc(24));
      assert.deepEqual(nt.subarray(24, 32), serverTime);
    });

    it('writes strings in Latin-1 (OEM) when the server does not accept Unicode', function () {
      const parsed = parseChallengeMessage(buildChallenge(NTLM_FLAGS.OEM, Buffer.alloc(0)));
      const message = authenticateMessage(parsed, { user: 'alice', domain: 'CORP', ntHash: ntHash('p') });
      const user = message.subarray(message.readUInt32LE(40), message.readUInt32LE(40) + message.readUInt16LE(36));
      assert.equal(user.toString('latin1'), 'alice');
      assert.ok(message.readUInt32LE(60) & NTLM_FLAGS.OEM);
    });

    it('the NEGOTIATE message asks for NTLM, Unicode and extended session security and names no domain', function () {
      const message = negotiateMessage();
      assert.equal(message.toString('latin1', 0, 8), 'NTLMSSP\0');
      assert.equal(message.readUInt32LE(8), 1);
      const flags = message.readUInt32LE(12);
      for (const flag of [NTLM_FLAGS.NTLM, NTLM_FLAGS.UNICODE, NTLM_FLAGS.EXTENDED_SESSION_SECURITY]) {
        assert.ok(flags & flag);
      }
      assert.deepEqual(message.subarray(16, 32), Buffer.alloc(16));
    });

    it('refuses a message that is not a CHALLENGE, or whose TargetInfo lies outside it', function () {
      assert.throws(() => parseChallengeMessage(Buffer.from('not ntlm at all, really not')), NtlmMessageError);
      assert.throws(() => parseChallengeMessage(negotiateMessage()), NtlmMessageError);
      const broken = buildChallenge(NTLM_FLAGS.TARGET_INFO, Buffer.alloc(8));
      broken.writeUInt16LE(200, 40);
      assert.throws(() => parseChallengeMessage(broken), NtlmMessageError);
    });
  });
});

/** A CHALLENGE message with these flags and TargetInfo (challenge 0102030405060708). */
function buildChallenge(flags: number, targetInfo: Buffer): Buffer {
  const header = Buffer.alloc(48);
  header.write('NTLMSSP\0', 'latin1');
  header.writeUInt32LE(2, 8);
  header.writeUInt32LE(flags >>> 0, 20);
  hex('0102030405060708').copy(header, 24);
  header.writeUInt16LE(targetInfo.length, 40);
  header.writeUInt16LE(targetInfo.length, 42);
  header.writeUInt32LE(48, 44);
  return Buffer.concat([header, targetInfo]);
}
