/**
 * Reads the session-key packets at the start of a binary OpenPGP message (RFC 4880 §4.2 packet
 * headers; §5.1 PKESK, §5.3 SKESK, §5.8 marker). Pure. Used to refuse, before gpg runs, a message
 * that is not encrypted to the requested key: gpg would otherwise try other keys or ask for a
 * symmetric passphrase, and noise that happens to look like a packet would not be `INVALID_INPUT`.
 */

/** What the leading packets say: `armored` (not inspected), `malformed`, or the recipients. */
export type LeadingRecipients =
  'armored' | 'malformed' | { readonly keyIds: readonly string[]; readonly symmetric: boolean };

const WILDCARD_KEY_ID = '0000000000000000';
const PKESK = 1;
const SKESK = 3;
const MARKER = 10;

/** Key IDs (16 upper-case hex digits) of the leading PKESK packets, and whether an SKESK is there. */
export function leadingRecipients(message: Uint8Array): LeadingRecipients {
  if (startsWithText(message, '-----BEGIN PGP')) return 'armored';
  const keyIds: string[] = [];
  let symmetric = false;
  let offset = 0;
  while (offset < message.length) {
    const header = readHeader(message, offset);
    if (header === undefined) return 'malformed';
    if (header.tag !== PKESK && header.tag !== SKESK && header.tag !== MARKER) break;
    const end = header.bodyStart + header.length;
    if (end > message.length) return 'malformed';
    if (header.tag === PKESK && message[header.bodyStart] === 3 && header.length >= 9) {
      keyIds.push(toHex(message.subarray(header.bodyStart + 1, header.bodyStart + 9)));
    }
    if (header.tag === SKESK) symmetric = true;
    offset = end;
  }
  return { keyIds, symmetric };
}

/** True when the recipients include `keyId` or the anonymous (wildcard) recipient. */
export function addressedTo(
  recipients: { readonly keyIds: readonly string[] },
  keyId: string,
): boolean {
  const wanted = keyId.toUpperCase();
  return recipients.keyIds.some((id) => id === wanted || id === WILDCARD_KEY_ID);
}

interface Header {
  readonly tag: number;
  readonly bodyStart: number;
  readonly length: number;
}

function readHeader(bytes: Uint8Array, offset: number): Header | undefined {
  const first = bytes[offset];
  if (first === undefined || (first & 0x80) === 0) return undefined;
  if ((first & 0x40) !== 0) {
    const tag = first & 0x3f;
    const l1 = bytes[offset + 1];
    if (l1 === undefined) return undefined;
    if (l1 < 192) return { tag, bodyStart: offset + 2, length: l1 };
    if (l1 < 224) {
      const l2 = bytes[offset + 2];
      if (l2 === undefined) return undefined;
      return { tag, bodyStart: offset + 3, length: ((l1 - 192) << 8) + l2 + 192 };
    }
    if (l1 === 255) {
      if (offset + 6 > bytes.length) return undefined;
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset + 2, 4);
      return { tag, bodyStart: offset + 6, length: view.getUint32(0) };
    }
    return undefined; // partial lengths are not allowed for session-key packets
  }
  const tag = (first >> 2) & 0x0f;
  const lengthBytes = [1, 2, 4][first & 0x03];
  if (lengthBytes === undefined || offset + 1 + lengthBytes > bytes.length) return undefined;
  let length = 0;
  for (let index = 0; index < lengthBytes; index += 1) {
    length = length * 256 + (bytes[offset + 1 + index] ?? 0);
  }
  return { tag, bodyStart: offset + 1 + lengthBytes, length };
}

function startsWithText(bytes: Uint8Array, text: string): boolean {
  const start = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  return start.startsWith(text);
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}
