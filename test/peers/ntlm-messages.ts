/**
 * The NTLM Type 1 and Type 3 messages a client sends (MS-NLMP 2.2.1), just enough to drive
 * squid's ntlm_fake_auth through a real handshake in the squid peer test. The Type 3 responses
 * are zeros: the fake helper never checks them.
 */
const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
const NEGOTIATE_UNICODE = 0x00000001;
const REQUEST_TARGET = 0x00000004;
const NEGOTIATE_NTLM = 0x00000200;
const ALWAYS_SIGN = 0x00008000;

/** Type 1 (negotiate), base64. */
export function ntlmType1(): string {
  const message = Buffer.alloc(32);
  SIGNATURE.copy(message, 0);
  message.writeUInt32LE(1, 8);
  message.writeUInt32LE(NEGOTIATE_UNICODE | REQUEST_TARGET | NEGOTIATE_NTLM | ALWAYS_SIGN, 12);
  return message.toString('base64');
}

/** The message type (2 for a challenge) of a base64 NTLM message, or undefined if it is not NTLMSSP. */
export function ntlmMessageType(base64: string): number | undefined {
  const message = Buffer.from(base64, 'base64');
  if (message.length < 12 || !message.subarray(0, 8).equals(SIGNATURE)) return undefined;
  return message.readUInt32LE(8);
}

/** Type 3 (authenticate) naming `domain\user`, base64. */
export function ntlmType3(domain: string, user: string, workstation = 'WS'): string {
  const fields = [Buffer.alloc(24), Buffer.alloc(24), domain, user, workstation, ''].map((field) =>
    typeof field === 'string' ? Buffer.from(field, 'utf16le') : field,
  );
  const header = Buffer.alloc(64);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(3, 8);
  let offset = header.length;
  fields.forEach((field, i) => {
    header.writeUInt16LE(field.length, 12 + i * 8);
    header.writeUInt16LE(field.length, 14 + i * 8);
    header.writeUInt32LE(offset, 16 + i * 8);
    offset += field.length;
  });
  header.writeUInt32LE(NEGOTIATE_UNICODE | NEGOTIATE_NTLM, 60);
  return Buffer.concat([header, ...fields]).toString('base64');
}
