import { ProviderError } from '@keyroute/core';

/** One key of an HKP machine-readable index (`op=index&options=mr`). */
export interface HkpIndexEntry {
  /** Primary key fingerprint, upper-case hex, when the server listed one (40 or 64 digits). */
  fingerprint?: string;
  /**
   * Key id, upper-case hex: 16 digits (derived from the fingerprint when the server gave one),
   * or the 8 a very old server may give.
   */
  keyId: string;
  /** User IDs, unescaped. */
  userIds: string[];
  /** OpenPGP public-key algorithm number (1 RSA, 22 EdDSA, …). */
  algorithm?: number;
  /** Key length in bits. */
  bits?: number;
  created?: Date;
  expires?: Date;
  /** Flags of the key: `r` revoked, `d` disabled, `e` expired (possibly several, or none). */
  flags: string;
}

function protocolError(lineNumber: number, message: string): ProviderError {
  return new ProviderError('PROTOCOL', `HKP index line ${lineNumber}: ${message}`);
}

/** Decodes `%XX` escapes (the index escapes `:`, `%` and non-printable bytes) as UTF-8. */
export function unescapeHkpField(field: string): string {
  if (!field.includes('%')) return field;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < field.length;) {
    const escape = /^%([0-9a-fA-F]{2})/.exec(field.slice(i, i + 3));
    if (escape?.[1] !== undefined) {
      bytes.push(parseInt(escape[1], 16));
      i += 3;
      continue;
    }
    const codePoint = field.codePointAt(i) ?? 0;
    const char = String.fromCodePoint(codePoint);
    bytes.push(...encoder.encode(char));
    i += char.length;
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

function optionalNumber(
  field: string | undefined,
  what: string,
  lineNumber: number,
): number | undefined {
  if (field === undefined || field === '') return undefined;
  if (!/^\d+$/.test(field))
    throw protocolError(lineNumber, `${what} "${field.slice(0, 40)}" is not a number`);
  return Number(field);
}

function optionalDate(
  field: string | undefined,
  what: string,
  lineNumber: number,
): Date | undefined {
  const seconds = optionalNumber(field, what, lineNumber);
  return seconds === undefined ? undefined : new Date(seconds * 1000);
}

/** The key id a fingerprint implies: the low 64 bits for v4, the high 64 bits for v6. */
function keyIdOfFingerprint(fingerprint: string): string {
  return fingerprint.length === 40 ? fingerprint.slice(24) : fingerprint.slice(0, 16);
}

function parsePub(fields: readonly string[], lineNumber: number): HkpIndexEntry {
  const [, id = '', algorithm, bits, created, expires, flags = ''] = fields;
  const hex = id.replace(/^0x/i, '').toUpperCase();
  if (!/^[0-9A-F]+$/.test(hex) || ![8, 16, 40, 64].includes(hex.length)) {
    throw protocolError(lineNumber, `"${id.slice(0, 80)}" is neither a key id nor a fingerprint`);
  }
  const isFingerprint = hex.length >= 40;
  const entry: HkpIndexEntry = {
    keyId: isFingerprint ? keyIdOfFingerprint(hex) : hex,
    userIds: [],
    flags,
  };
  if (isFingerprint) entry.fingerprint = hex;
  const algorithmNumber = optionalNumber(algorithm, 'algorithm', lineNumber);
  if (algorithmNumber !== undefined) entry.algorithm = algorithmNumber;
  const bitCount = optionalNumber(bits, 'key length', lineNumber);
  if (bitCount !== undefined) entry.bits = bitCount;
  const createdAt = optionalDate(created, 'creation date', lineNumber);
  if (createdAt !== undefined) entry.created = createdAt;
  const expiresAt = optionalDate(expires, 'expiration date', lineNumber);
  if (expiresAt !== undefined) entry.expires = expiresAt;
  return entry;
}

/**
 * Parses the machine-readable index of an HKP server (draft-shaw-openpgp-hkp, section 5.2):
 *
 * ```text
 * info:1:2
 * pub:<key id or fingerprint>:<algorithm>:<bits>:<created>:<expires>:<flags>
 * uid:<escaped user ID>:<created>:<expires>:<flags>
 * ```
 *
 * Dates are seconds since the epoch; empty fields are absent. Lines of other types are ignored,
 * as the draft asks. Pure.
 *
 * @throws ProviderError `PROTOCOL` for an index version other than 1, a `uid` line before any
 *   `pub` line, a `pub` line without a usable key id or fingerprint, or a malformed number.
 */
export function parseHkpIndex(text: string): HkpIndexEntry[] {
  const entries: HkpIndexEntry[] = [];
  let current: HkpIndexEntry | undefined;
  const lines = text.split(/\r?\n/);
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trim();
    if (line === '') continue;
    const lineNumber = index + 1;
    const fields = line.split(':');
    switch (fields[0]) {
      case 'info': {
        const version = fields[1] ?? '';
        if (version !== '1')
          throw protocolError(lineNumber, `unsupported index version "${version.slice(0, 20)}"`);
        break;
      }
      case 'pub':
        current = parsePub(fields, lineNumber);
        entries.push(current);
        break;
      case 'uid':
        if (current === undefined)
          throw protocolError(lineNumber, 'a uid line comes before any pub line');
        current.userIds.push(unescapeHkpField(fields[1] ?? ''));
        break;
      default:
        break;
    }
  }
  return entries;
}
