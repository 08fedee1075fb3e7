/**
 * Parser for GnuPG's machine-readable key listing (`gpg --with-colons --with-keygrip
 * --list-keys|--list-secret-keys`, format described in GnuPG's doc/DETAILS). Every function here is
 * pure: nothing runs gpg.
 */

/** Zero-based field indexes of a colon record (doc/DETAILS numbers them from 1). */
const FIELD = {
  type: 0,
  validity: 1,
  length: 2,
  algorithm: 3,
  keyId: 4,
  created: 5,
  expires: 6,
  /** User ID of `uid`, fingerprint of `fpr`, keygrip of `grp`. */
  userIdOrValue: 9,
  capabilities: 11,
  /** `+` secret key present, `#` stub, `>` on a card, empty for public keys. */
  token: 14,
  curve: 16,
} as const;

/** One public or secret (sub)key as listed by gpg. */
export interface ColonKeyBase {
  /** Validity letter (field 2), e.g. `u` for ultimate. */
  readonly validity: string;
  /** Key length in bits (field 3). */
  readonly length: number;
  /** OpenPGP public-key algorithm id (field 4): 1 RSA, 18 ECDH, 19 ECDSA, 22 EdDSA. */
  readonly algorithm: number;
  /** Long key id, 16 upper-case hex digits (field 5). */
  readonly keyId: string;
  /** Creation time, seconds since the epoch (field 6). */
  readonly created: number;
  /** Expiry, seconds since the epoch (field 7), undefined when it never expires. */
  readonly expires: number | undefined;
  /** Capability letters of this key (field 12): lower case for the key itself, upper case for the whole key. */
  readonly capabilities: string;
  /** Secret-key token field (field 15), `+` when the secret key is available. */
  readonly token: string;
  /** Curve name (field 17) for ECC keys, e.g. `ed25519`, `cv25519`, `nistp256`. */
  readonly curve: string | undefined;
  /** Fingerprint from the following `fpr` record, upper-case hex. */
  readonly fingerprint: string;
  /** Keygrip from the following `grp` record (only with `--with-keygrip`). */
  readonly keygrip: string | undefined;
}

/** A subkey (`sub` or `ssb` record). */
export interface ColonSubkey extends ColonKeyBase {
  readonly record: 'sub' | 'ssb';
}

/** A primary key (`pub` or `sec` record) with its user IDs and subkeys. */
export interface ColonPrimaryKey extends ColonKeyBase {
  readonly record: 'pub' | 'sec';
  /** User IDs (field 10 of `uid` records), unescaped. */
  readonly userIds: readonly string[];
  readonly subkeys: readonly ColonSubkey[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableKey = Omit<Mutable<ColonKeyBase>, 'fingerprint'> & { fingerprint: string | undefined };
type MutablePrimary = MutableKey & {
  record: 'pub' | 'sec';
  userIds: string[];
  subkeys: (MutableKey & { record: 'sub' | 'ssb' })[];
};

const ESCAPES: Readonly<Record<string, number>> = {
  '\\': 0x5c,
  n: 0x0a,
  r: 0x0d,
  f: 0x0c,
  v: 0x0b,
  b: 0x08,
  '0': 0x00,
};

/**
 * Undoes gpg's C-style escaping of colon fields (`\x3a` for `:`, `\\`, `\n` …); the result is
 * decoded as UTF-8.
 *
 * @throws Error on a malformed escape or invalid UTF-8.
 */
export function unescapeColonField(field: string): string {
  if (!field.includes('\\')) return field;
  const input = new TextEncoder().encode(field);
  const output: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const byte = input[i] as number;
    if (byte !== 0x5c) {
      output.push(byte);
      continue;
    }
    const next = String.fromCharCode(input[i + 1] ?? 0);
    if (next === 'x') {
      const hex = String.fromCharCode(input[i + 2] ?? 0, input[i + 3] ?? 0);
      if (!/^[0-9a-fA-F]{2}$/.test(hex))
        throw new Error(`bad \\x escape in colon field "${field}"`);
      output.push(Number.parseInt(hex, 16));
      i += 3;
    } else if (next in ESCAPES) {
      output.push(ESCAPES[next] as number);
      i += 1;
    } else {
      throw new Error(`bad escape in colon field "${field}"`);
    }
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(output));
}

function field(fields: readonly string[], index: number): string {
  return fields[index] ?? '';
}

function integerField(fields: readonly string[], index: number, line: number): number {
  const text = field(fields, index);
  if (!/^\d+$/.test(text)) {
    throw new Error(
      `colon listing line ${line}: field ${index + 1} is "${text}", expected a number`,
    );
  }
  return Number(text);
}

function parseKeyRecord(fields: readonly string[], line: number): MutableKey {
  const keyId = field(fields, FIELD.keyId);
  if (!/^[0-9A-F]{16}$/.test(keyId)) {
    throw new Error(`colon listing line ${line}: bad key id "${keyId}"`);
  }
  const expires = field(fields, FIELD.expires);
  const curve = field(fields, FIELD.curve);
  return {
    validity: field(fields, FIELD.validity),
    length: integerField(fields, FIELD.length, line),
    algorithm: integerField(fields, FIELD.algorithm, line),
    keyId,
    created: integerField(fields, FIELD.created, line),
    expires: expires === '' ? undefined : integerField(fields, FIELD.expires, line),
    capabilities: field(fields, FIELD.capabilities),
    token: field(fields, FIELD.token),
    curve: curve === '' ? undefined : curve,
    fingerprint: undefined,
    keygrip: undefined,
  };
}

function finish(
  key: MutableKey,
  line: number,
): asserts key is MutableKey & { fingerprint: string } {
  if (key.fingerprint === undefined) {
    throw new Error(`colon listing: key ${key.keyId} before line ${line} has no fpr record`);
  }
  // v4 key ids are the low 64 bits of the fingerprint, v5 ones the high 64 bits.
  if (!key.fingerprint.endsWith(key.keyId) && !key.fingerprint.startsWith(key.keyId)) {
    throw new Error(
      `colon listing: key id ${key.keyId} does not match fingerprint ${key.fingerprint}`,
    );
  }
}

/**
 * Parses a colon key listing strictly: `pub`/`sec` start a key, `sub`/`ssb` a subkey of the key
 * before, `fpr`/`grp` belong to the (sub)key record just before them, `uid` to the primary key.
 * Records this parser does not need (`tru`, `sig`, `rvk`, `uat`, `fp2`, …) are skipped, as
 * doc/DETAILS asks of consumers.
 *
 * @throws Error naming the line when a record is out of place, a field is malformed, a key lacks a
 *   fingerprint or has two.
 */
export function parseColonKeyListing(text: string): ColonPrimaryKey[] {
  const keys: MutablePrimary[] = [];
  let current: MutablePrimary | undefined;
  let last: MutableKey | undefined;
  const lines = text.split('\n');
  for (const [index, rawLine] of lines.entries()) {
    const lineNumber = index + 1;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '') continue;
    const fields = line.split(':');
    const type = field(fields, FIELD.type);
    switch (type) {
      case 'pub':
      case 'sec': {
        if (last !== undefined) finish(last, lineNumber);
        current = { ...parseKeyRecord(fields, lineNumber), record: type, userIds: [], subkeys: [] };
        keys.push(current);
        last = current;
        break;
      }
      case 'sub':
      case 'ssb': {
        if (current === undefined) {
          throw new Error(
            `colon listing line ${lineNumber}: ${type} record before any primary key`,
          );
        }
        if (last !== undefined) finish(last, lineNumber);
        const subkey = { ...parseKeyRecord(fields, lineNumber), record: type };
        current.subkeys.push(subkey);
        last = subkey;
        break;
      }
      case 'fpr':
      case 'grp': {
        if (last === undefined) {
          throw new Error(`colon listing line ${lineNumber}: ${type} record before any key`);
        }
        const value = field(fields, FIELD.userIdOrValue);
        if (!/^([0-9A-F]{40}|[0-9A-F]{64})$/.test(value)) {
          throw new Error(`colon listing line ${lineNumber}: bad ${type} value "${value}"`);
        }
        const slot = type === 'fpr' ? 'fingerprint' : 'keygrip';
        if (last[slot] !== undefined) {
          throw new Error(
            `colon listing line ${lineNumber}: second ${type} record for key ${last.keyId}`,
          );
        }
        last[slot] = value;
        break;
      }
      case 'uid': {
        if (current === undefined) {
          throw new Error(`colon listing line ${lineNumber}: uid record before any primary key`);
        }
        current.userIds.push(unescapeColonField(field(fields, FIELD.userIdOrValue)));
        break;
      }
      default:
        break;
    }
  }
  if (last !== undefined) finish(last, lines.length);
  return keys as ColonPrimaryKey[];
}
