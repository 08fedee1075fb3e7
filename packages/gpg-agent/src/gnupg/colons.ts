/**
 * Parser of GnuPG's colon listings (doc/DETAILS "Format of the colon listings"):
 * `gpg --with-colons --fixed-list-mode --with-keygrip --with-fingerprint --list-keys` (or
 * `--list-secret-keys`) and `gpgsm --with-colons --with-keygrip --list-keys`. Pure: nothing here
 * spawns a process.
 */
import { ErrorCode } from '@keyroute/core';
import { gnupgError } from './errors.js';

/** One primary key or subkey of a colon listing. */
export interface ColonKey {
  /** Fingerprint (from the following `fpr` record), upper-case hex. */
  readonly fingerprint: string;
  /** Key ID (field 5), upper-case hex. */
  readonly keyId: string;
  /** Keygrip (from the following `grp` record) when listed with `--with-keygrip`. */
  readonly keygrip?: string;
  /** Capability letters of this (sub)key (field 12, lower-case letters only), e.g. `sc`, `e`. */
  readonly usage: string;
  /** Public-key algorithm number (field 4): 1 RSA, 18 ECDH, 19 ECDSA, 22 EdDSA, … */
  readonly algorithm: number;
  /** Curve name (field 17) for ECC keys, e.g. `ed25519`, `nistp256`. */
  readonly curve?: string;
  /** Key length in bits (field 3). */
  readonly bits: number;
  /** Creation time (field 6), when listed. */
  readonly created?: Date;
  /** Expiration time (field 7), when the key expires. */
  readonly expires?: Date;
  /** Validity (field 2) says revoked (`r`). */
  readonly revoked: boolean;
  /** Validity (field 2) says expired (`e`). */
  readonly expired: boolean;
  /** A secret key is available (a `sec`/`ssb`/`crs` record that is not a stub, or `+`). */
  readonly secret: boolean;
  /** Serial number of the token holding the secret key (field 15), when on a card. */
  readonly card?: string;
}

/** One certificate (OpenPGP key block or X.509 certificate) of a colon listing. */
export interface ColonCertificate {
  /** `openpgp` for gpg listings, `x509` for gpgsm listings. */
  readonly type: 'openpgp' | 'x509';
  /** The primary key (OpenPGP) or the certificate's key (X.509). */
  readonly primary: ColonKey;
  /** Subkeys, in listing order (always empty for X.509). */
  readonly subkeys: readonly ColonKey[];
  /**
   * User IDs (`uid` field 10), decoded from the C-style quoting (`\x3a`, `\n`, …). For X.509 the
   * subject DN first, then alternative names.
   */
  readonly userIds: readonly string[];
  /** X.509 only: issuer DN (field 10 of the `crt`/`crs` record), decoded. */
  readonly issuer?: string;
  /** X.509 only: serial number (field 8 of the `crt`/`crs` record), hex. */
  readonly serial?: string;
  /** X.509 only: subject DN (the first `uid` record), decoded. */
  readonly subject?: string;
}

// Field numbers below are 1-based as in doc/DETAILS; `fields[n - 1]` reads field n.
const FIELD = {
  TYPE: 1,
  VALIDITY: 2,
  LENGTH: 3,
  ALGORITHM: 4,
  KEY_ID: 5,
  CREATED: 6,
  EXPIRES: 7,
  SERIAL: 8,
  USER_ID: 10,
  CAPABILITIES: 12,
  TOKEN: 15,
  CURVE: 17,
} as const;

const PRIMARY_RECORDS: Readonly<Record<'openpgp' | 'x509', readonly string[]>> = {
  openpgp: ['pub', 'sec'],
  x509: ['crt', 'crs'],
};
const SUBKEY_RECORDS: Readonly<Record<'openpgp' | 'x509', readonly string[]>> = {
  openpgp: ['sub', 'ssb'],
  x509: [],
};
const SECRET_RECORDS = new Set(['sec', 'ssb', 'crs']);
const HEX = /^[0-9A-Fa-f]+$/;

interface KeyDraft {
  readonly line: number;
  fields: Omit<ColonKey, 'fingerprint' | 'keygrip'>;
  fingerprint?: string;
  keygrip?: string;
}

interface CertificateDraft {
  primary: KeyDraft;
  subkeys: KeyDraft[];
  userIds: string[];
  issuer?: string;
  serial?: string;
}

function malformed(line: number, what: string): Error {
  return gnupgError(
    ErrorCode.PROTOCOL,
    `malformed GnuPG colon listing at line ${line}: ${what}; the gpg/gpgsm output format is not understood`,
  );
}

function field(fields: readonly string[], n: number): string {
  return fields[n - 1] ?? '';
}

/**
 * Decodes field 10's C-string quoting (`\x3a` for `:`, `\n`, `\\`, …) into UTF-8 text.
 *
 * @throws ProviderError PROTOCOL on a dangling or unknown escape.
 */
export function decodeColonString(value: string, line = 0): string {
  if (!value.includes('\\')) return value;
  const input = Buffer.from(value, 'utf8');
  const out: number[] = [];
  const simple: Readonly<Record<string, number>> = {
    n: 0x0a,
    r: 0x0d,
    t: 0x09,
    f: 0x0c,
    v: 0x0b,
    b: 0x08,
    '0': 0x00,
    '\\': 0x5c,
  };
  for (let i = 0; i < input.length; i++) {
    const byte = input[i] ?? 0;
    if (byte !== 0x5c) {
      out.push(byte);
      continue;
    }
    const next = String.fromCharCode(input[i + 1] ?? 0);
    const mapped = simple[next];
    if (mapped !== undefined) {
      out.push(mapped);
      i += 1;
    } else if (next === 'x') {
      const hex = String.fromCharCode(input[i + 2] ?? 0, input[i + 3] ?? 0);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw malformed(line, 'bad \\x escape in a quoted field');
      out.push(Number.parseInt(hex, 16));
      i += 3;
    } else {
      throw malformed(line, 'unknown escape in a quoted field');
    }
  }
  return new TextDecoder().decode(Uint8Array.from(out));
}

/** Parses a field-6/7 time: seconds since the epoch, or ISO basic `yyyymmddThhmmss` (gpgsm). */
function parseTime(value: string, line: number, what: string): Date | undefined {
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    // 0 means "none" in some listings.
    return seconds === 0 ? undefined : new Date(seconds * 1000);
  }
  const iso = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (iso !== null) {
    const [, y, mo, d, h, mi, s] = iso.map(Number) as [number, ...number[]];
    return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0));
  }
  throw malformed(line, `${what} "${value}" is neither epoch seconds nor yyyymmddThhmmss`);
}

function parseInteger(value: string, line: number, what: string): number {
  if (!/^\d+$/.test(value)) throw malformed(line, `${what} "${value}" is not a number`);
  return Number(value);
}

function parseKeyRecord(fields: readonly string[], line: number, type: string): KeyDraft {
  if (fields.length < FIELD.CAPABILITIES) {
    throw malformed(line, `"${type}" record has ${fields.length} fields, expected at least 12`);
  }
  const validity = field(fields, FIELD.VALIDITY);
  const keyId = field(fields, FIELD.KEY_ID);
  if (!HEX.test(keyId)) throw malformed(line, `key ID "${keyId}" is not hex`);
  const token = field(fields, FIELD.TOKEN);
  const curve = field(fields, FIELD.CURVE);
  const created = parseTime(field(fields, FIELD.CREATED), line, 'creation time');
  const expires = parseTime(field(fields, FIELD.EXPIRES), line, 'expiration time');
  const isCard = token !== '' && token !== '+' && token !== '#';
  return {
    line,
    fields: {
      keyId: keyId.toUpperCase(),
      usage: field(fields, FIELD.CAPABILITIES).replace(/[^a-z]/g, ''),
      algorithm: parseInteger(field(fields, FIELD.ALGORITHM), line, 'algorithm'),
      bits: parseInteger(field(fields, FIELD.LENGTH), line, 'key length'),
      revoked: validity.startsWith('r'),
      expired: validity.startsWith('e'),
      // '#' marks a stub (the secret key is elsewhere), '+' an available secret key.
      secret: token === '#' ? false : token !== '' || SECRET_RECORDS.has(type),
      ...(curve === '' ? {} : { curve }),
      ...(created === undefined ? {} : { created }),
      ...(expires === undefined ? {} : { expires }),
      ...(isCard ? { card: token } : {}),
    },
  };
}

function finishKey(draft: KeyDraft): ColonKey {
  if (draft.fingerprint === undefined) {
    throw malformed(draft.line, `key ${draft.fields.keyId} has no "fpr" record`);
  }
  return {
    ...draft.fields,
    fingerprint: draft.fingerprint,
    ...(draft.keygrip === undefined ? {} : { keygrip: draft.keygrip }),
  };
}

function finishCertificate(draft: CertificateDraft, type: 'openpgp' | 'x509'): ColonCertificate {
  const subject = type === 'x509' ? draft.userIds[0] : undefined;
  return {
    type,
    primary: finishKey(draft.primary),
    subkeys: draft.subkeys.map(finishKey),
    userIds: draft.userIds,
    ...(draft.issuer === undefined ? {} : { issuer: draft.issuer }),
    ...(draft.serial === undefined ? {} : { serial: draft.serial }),
    ...(subject === undefined ? {} : { subject }),
  };
}

/**
 * Parses a colon listing into certificates. Record types other than `pub`/`sec`/`sub`/`ssb`
 * (OpenPGP) or `crt`/`crs` (X.509) and `fpr`, `grp`, `uid` are ignored (`tru`, `sig`, `fp2`,
 * `uat`, gpgsm's keybox header lines, …).
 *
 * @param text - the listing's stdout.
 * @param type - `openpgp` for gpg, `x509` for gpgsm.
 * @returns the certificates in listing order.
 * @throws ProviderError PROTOCOL for a malformed known record: too few fields, a non-numeric
 *   algorithm or length, a bad date, a bad escape, an `fpr`/`grp`/`uid`/subkey outside a
 *   certificate, a key without fingerprint.
 */
export function parseColonListing(text: string, type: 'openpgp' | 'x509'): ColonCertificate[] {
  const certificates: ColonCertificate[] = [];
  let current: CertificateDraft | undefined;
  let lastKey: KeyDraft | undefined;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const raw = lines[index] ?? '';
    const fields = (raw.endsWith('\r') ? raw.slice(0, -1) : raw).split(':');
    const record = fields[0] ?? '';
    if (PRIMARY_RECORDS[type].includes(record)) {
      if (current !== undefined) certificates.push(finishCertificate(current, type));
      lastKey = parseKeyRecord(fields, lineNumber, record);
      current = { primary: lastKey, subkeys: [], userIds: [] };
      if (type === 'x509') {
        const serial = field(fields, FIELD.SERIAL);
        const issuer = field(fields, FIELD.USER_ID);
        if (serial !== '') current.serial = serial;
        if (issuer !== '') current.issuer = decodeColonString(issuer, lineNumber);
      }
    } else if (SUBKEY_RECORDS[type].includes(record)) {
      if (current === undefined) throw malformed(lineNumber, `"${record}" before any primary key`);
      lastKey = parseKeyRecord(fields, lineNumber, record);
      current.subkeys.push(lastKey);
    } else if (record === 'fpr' || record === 'grp') {
      if (lastKey === undefined) throw malformed(lineNumber, `"${record}" before any key`);
      const value = field(fields, FIELD.USER_ID);
      if (!HEX.test(value)) throw malformed(lineNumber, `"${record}" value is not hex`);
      // Only the first fpr/grp after a key record belongs to it (gpg prints one of each).
      if (record === 'fpr') lastKey.fingerprint ??= value.toUpperCase();
      else lastKey.keygrip ??= value.toUpperCase();
    } else if (record === 'uid') {
      if (current === undefined) throw malformed(lineNumber, '"uid" before any primary key');
      current.userIds.push(decodeColonString(field(fields, FIELD.USER_ID), lineNumber));
    }
  }
  if (current !== undefined) certificates.push(finishCertificate(current, type));
  return certificates;
}
