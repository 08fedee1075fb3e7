/**
 * Just enough OpenPGP (RFC 9580, v4 packets) to make and read detached signatures whose hash
 * is computed here, while the file streams, and whose raw signature comes from any provider:
 * the provider never needs the data, only the hash (or, for EdDSA, the hash as the message).
 */
import { createHash } from 'node:crypto';
import type { HashAlgorithm, KeyAlgorithm } from '@keyroute/core';
import { CliError, EXIT } from './errors.js';

/** OpenPGP hash algorithm ids (RFC 9580 §9.5) of the hashes these signatures may use. */
export const OPENPGP_HASH_IDS = {
  sha256: 8,
  sha384: 9,
  sha512: 10,
  sha224: 11,
} as const satisfies Partial<Record<HashAlgorithm, number>>;

/** A hash an OpenPGP signature made here may use. */
export type OpenPgpHash = keyof typeof OPENPGP_HASH_IDS;

/** OpenPGP public-key algorithm ids (RFC 9580 §9.1) of the signatures made here. */
export const PUBLIC_KEY_ALGORITHM = {
  rsa: 1,
  ecdsa: 19,
  eddsaLegacy: 22,
  ed25519: 27,
} as const;

/** One of {@link PUBLIC_KEY_ALGORITHM}'s values. */
export type PublicKeyAlgorithmId = (typeof PUBLIC_KEY_ALGORITHM)[keyof typeof PUBLIC_KEY_ALGORITHM];

/** Signature type 0x00: a signature of a binary document. */
const BINARY_DOCUMENT = 0x00;
const SUBPACKET_CREATION_TIME = 2;
const SUBPACKET_ISSUER_KEY_ID = 16;
const SUBPACKET_ISSUER_FINGERPRINT = 33;
const TAG_SIGNATURE = 2;
const TAG_PUBLIC_KEY = 6;
const TAG_PUBLIC_SUBKEY = 14;

function invalid(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

function uint16(value: number): Uint8Array {
  return Uint8Array.of((value >> 8) & 0xff, value & 0xff);
}

function uint32(value: number): Uint8Array {
  return Uint8Array.of(
    (value >>> 24) & 0xff,
    (value >>> 16) & 0xff,
    (value >>> 8) & 0xff,
    value & 0xff,
  );
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** A subpacket (RFC 9580 §5.2.3.7): length (of type + data), type, data. */
function subpacket(type: number, data: Uint8Array): Uint8Array {
  const length = data.length + 1;
  if (length >= 192) throw new Error('subpacket too long for this encoder');
  return concat([Uint8Array.of(length, type), data]);
}

/** A multiprecision integer (RFC 9580 §3.2): bit count, then the bytes without leading zeros. */
export function mpi(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length && value[start] === 0) start += 1;
  const bytes = value.subarray(start);
  const top = bytes[0] ?? 0;
  const bits = bytes.length === 0 ? 0 : (bytes.length - 1) * 8 + (32 - Math.clz32(top));
  return concat([uint16(bits), bytes]);
}

/** A packet with an OpenPGP (new format) header (RFC 9580 §4.2.1). */
function packet(tag: number, body: Uint8Array): Uint8Array {
  const length = body.length;
  let header: Uint8Array;
  if (length < 192) header = Uint8Array.of(0xc0 | tag, length);
  else if (length < 8384) {
    const rest = length - 192;
    header = Uint8Array.of(0xc0 | tag, (rest >> 8) + 192, rest & 0xff);
  } else header = concat([Uint8Array.of(0xc0 | tag, 0xff), uint32(length)]);
  return concat([header, body]);
}

/** The public-key algorithm id a v4 signature by a key of `algorithm` carries. */
export function signatureAlgorithmOf(
  algorithm: KeyAlgorithm,
  keyPacketAlgorithm: number | undefined,
): PublicKeyAlgorithmId {
  switch (algorithm.kind) {
    case 'rsa':
      return PUBLIC_KEY_ALGORITHM.rsa;
    case 'ec':
      return PUBLIC_KEY_ALGORITHM.ecdsa;
    case 'ed25519':
      // v4 keys made by GnuPG 2.2 and most tools are EdDSALegacy (22); RFC 9580 keys are 27.
      return keyPacketAlgorithm === PUBLIC_KEY_ALGORITHM.ed25519
        ? PUBLIC_KEY_ALGORITHM.ed25519
        : PUBLIC_KEY_ALGORITHM.eddsaLegacy;
    default:
      throw invalid(
        `OpenPGP signatures are made here with RSA, ECDSA or Ed25519 keys, not ${algorithm.kind}`,
      );
  }
}

/** What a detached signature made here starts with: everything its hash covers. */
export interface SignatureFrame {
  /** Version, type, algorithms and hashed subpackets (RFC 9580 §5.2.4's hashed part). */
  readonly hashed: Uint8Array;
  /** What follows the data in the hash: `hashed`, then `04 FF` and `hashed`'s length. */
  readonly hashSuffix: Uint8Array;
}

/**
 * The hashed part of a v4 binary-document signature by the (sub)key `fingerprint` (40 hex
 * digits), made `created`: creation time and issuer fingerprint, hashed.
 */
export function signatureFrame(options: {
  readonly algorithm: PublicKeyAlgorithmId;
  readonly hash: OpenPgpHash;
  readonly fingerprint: string;
  readonly created: Date;
}): SignatureFrame {
  const subpackets = concat([
    subpacket(SUBPACKET_CREATION_TIME, uint32(Math.floor(options.created.getTime() / 1000))),
    subpacket(
      SUBPACKET_ISSUER_FINGERPRINT,
      concat([Uint8Array.of(4), hexBytes(options.fingerprint)]),
    ),
  ]);
  const hashed = concat([
    Uint8Array.of(4, BINARY_DOCUMENT, options.algorithm, OPENPGP_HASH_IDS[options.hash]),
    uint16(subpackets.length),
    subpackets,
  ]);
  return { hashed, hashSuffix: concat([hashed, Uint8Array.of(4, 0xff), uint32(hashed.length)]) };
}

/**
 * The signature packet around a raw signature of the frame's hash: `raw` is the RSA PKCS#1
 * v1.5 signature, the ECDSA `r‖s` (P1363) or the Ed25519 `R‖S`.
 */
export function signaturePacket(options: {
  readonly frame: SignatureFrame;
  readonly algorithm: PublicKeyAlgorithmId;
  readonly digest: Uint8Array;
  readonly fingerprint: string;
  readonly raw: Uint8Array;
}): Uint8Array {
  const { raw } = options;
  let fields: Uint8Array;
  switch (options.algorithm) {
    case PUBLIC_KEY_ALGORITHM.rsa:
      fields = mpi(raw);
      break;
    case PUBLIC_KEY_ALGORITHM.ecdsa:
    case PUBLIC_KEY_ALGORITHM.eddsaLegacy: {
      const half = raw.length / 2;
      fields = concat([mpi(raw.subarray(0, half)), mpi(raw.subarray(half))]);
      break;
    }
    case PUBLIC_KEY_ALGORITHM.ed25519:
      fields = raw;
      break;
  }
  // Key ID of a v4 key: the low 64 bits of its fingerprint.
  const unhashed = subpacket(SUBPACKET_ISSUER_KEY_ID, hexBytes(options.fingerprint.slice(-16)));
  const body = concat([
    options.frame.hashed,
    uint16(unhashed.length),
    unhashed,
    options.digest.subarray(0, 2),
    fields,
  ]);
  return packet(TAG_SIGNATURE, body);
}

/** A packet of a binary OpenPGP stream. */
interface RawPacket {
  readonly tag: number;
  readonly body: Uint8Array;
}

/** Splits binary OpenPGP data into packets (both header formats; no partial lengths). */
export function readPackets(bytes: Uint8Array): RawPacket[] {
  const packets: RawPacket[] = [];
  let offset = 0;
  const byte = (at: number): number => {
    const value = bytes[at];
    if (value === undefined) throw invalid('truncated OpenPGP data');
    return value;
  };
  while (offset < bytes.length) {
    const first = byte(offset);
    if ((first & 0x80) === 0) throw invalid('not OpenPGP data (bad packet header)');
    let tag: number;
    let length: number;
    let header: number;
    if ((first & 0x40) !== 0) {
      tag = first & 0x3f;
      const octet = byte(offset + 1);
      if (octet < 192) [length, header] = [octet, 2];
      else if (octet < 224) [length, header] = [((octet - 192) << 8) + byte(offset + 2) + 192, 3];
      else if (octet === 255) {
        length =
          byte(offset + 2) * 2 ** 24 +
          (byte(offset + 3) << 16) +
          (byte(offset + 4) << 8) +
          byte(offset + 5);
        header = 6;
      } else throw invalid('OpenPGP data with partial body lengths is not a detached signature');
    } else {
      tag = (first >> 2) & 0x0f;
      const type = first & 0x03;
      if (type === 3) throw invalid('OpenPGP data of indeterminate length');
      const size = 1 << type;
      length = 0;
      for (let index = 0; index < size; index += 1)
        length = length * 256 + byte(offset + 1 + index);
      header = 1 + size;
    }
    const end = offset + header + length;
    if (end > bytes.length) throw invalid('truncated OpenPGP packet');
    packets.push({ tag, body: bytes.subarray(offset + header, end) });
    offset = end;
  }
  return packets;
}

/** A parsed v4 detached signature. */
export interface ParsedSignature {
  readonly type: number;
  readonly algorithm: number;
  readonly hash: OpenPgpHash | undefined;
  readonly hashId: number;
  /** What follows the data in the hash (RFC 9580 §5.2.4). */
  readonly hashSuffix: Uint8Array;
  readonly left16: Uint8Array;
  /** Issuer fingerprint, upper-case hex, when the signature names it. */
  readonly issuerFingerprint: string | undefined;
  /** Issuer key ID, upper-case hex, when the signature names it. */
  readonly issuerKeyId: string | undefined;
  /** The algorithm-specific fields: MPIs (values), or the native Ed25519 signature. */
  readonly fields: readonly Uint8Array[];
}

function readSubpackets(area: Uint8Array, into: Map<number, Uint8Array>): void {
  let offset = 0;
  while (offset < area.length) {
    const first = area[offset] ?? 0;
    let length: number;
    let header: number;
    if (first < 192) [length, header] = [first, 1];
    else if (first < 255)
      [length, header] = [((first - 192) << 8) + (area[offset + 1] ?? 0) + 192, 2];
    else [length, header] = [Buffer.from(area.subarray(offset + 1, offset + 5)).readUInt32BE(0), 5];
    const start = offset + header;
    if (length < 1 || start + length > area.length) throw invalid('malformed signature subpacket');
    const type = (area[start] ?? 0) & 0x7f;
    if (!into.has(type)) into.set(type, area.subarray(start + 1, start + length));
    offset = start + length;
  }
}

function readMpis(bytes: Uint8Array, count: number): Uint8Array[] {
  const values: Uint8Array[] = [];
  let offset = 0;
  for (let index = 0; index < count; index += 1) {
    const bits = ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
    const length = Math.ceil(bits / 8);
    if (offset + 2 + length > bytes.length) throw invalid('truncated signature MPI');
    values.push(bytes.subarray(offset + 2, offset + 2 + length));
    offset += 2 + length;
  }
  return values;
}

/**
 * Reads the first signature of a binary detached signature (v4 only).
 * @throws CliError (exit 2) for anything that is not one.
 */
export function parseSignature(bytes: Uint8Array): ParsedSignature {
  const body = readPackets(bytes).find((candidate) => candidate.tag === TAG_SIGNATURE)?.body;
  if (body === undefined) throw invalid('no OpenPGP signature packet in the signature file');
  if (body[0] !== 4) {
    throw invalid(`OpenPGP signature version ${body[0] ?? '?'} is not read here (only v4)`);
  }
  const [, type = 0, algorithm = 0, hashId = 0] = body;
  const hashedLength = ((body[4] ?? 0) << 8) | (body[5] ?? 0);
  const hashedEnd = 6 + hashedLength;
  const unhashedLength = ((body[hashedEnd] ?? 0) << 8) | (body[hashedEnd + 1] ?? 0);
  const unhashedEnd = hashedEnd + 2 + unhashedLength;
  if (unhashedEnd + 2 > body.length) throw invalid('truncated OpenPGP signature');
  const subpackets = new Map<number, Uint8Array>();
  readSubpackets(body.subarray(6, hashedEnd), subpackets);
  readSubpackets(body.subarray(hashedEnd + 2, unhashedEnd), subpackets);
  const hashed = body.subarray(0, hashedEnd);
  const rest = body.subarray(unhashedEnd + 2);
  const fields =
    algorithm === PUBLIC_KEY_ALGORITHM.ed25519
      ? [rest]
      : readMpis(rest, algorithm === PUBLIC_KEY_ALGORITHM.rsa ? 1 : 2);
  const fingerprint = subpackets.get(SUBPACKET_ISSUER_FINGERPRINT);
  const keyId = subpackets.get(SUBPACKET_ISSUER_KEY_ID);
  const hash = (Object.keys(OPENPGP_HASH_IDS) as OpenPgpHash[]).find(
    (name) => OPENPGP_HASH_IDS[name] === hashId,
  );
  return {
    type,
    algorithm,
    hash,
    hashId,
    hashSuffix: concat([hashed, Uint8Array.of(4, 0xff), uint32(hashed.length)]),
    left16: body.subarray(unhashedEnd, unhashedEnd + 2),
    issuerFingerprint:
      fingerprint === undefined
        ? undefined
        : Buffer.from(fingerprint.subarray(1)).toString('hex').toUpperCase(),
    issuerKeyId: keyId === undefined ? undefined : Buffer.from(keyId).toString('hex').toUpperCase(),
    fields,
  };
}

/** Left-pads `value` with zeros to `length` bytes. */
export function leftPad(value: Uint8Array, length: number): Uint8Array {
  if (value.length >= length) return value;
  const padded = new Uint8Array(length);
  padded.set(value, length - value.length);
  return padded;
}

/**
 * The public-key algorithm byte of the v4 (sub)key `fingerprint` (hex) in a binary
 * certificate, or undefined when the certificate does not hold it.
 */
export function keyPacketAlgorithm(
  certificate: Uint8Array,
  fingerprint: string,
): number | undefined {
  let packets: RawPacket[];
  try {
    packets = readPackets(certificate);
  } catch {
    return undefined;
  }
  for (const { tag, body } of packets) {
    if ((tag !== TAG_PUBLIC_KEY && tag !== TAG_PUBLIC_SUBKEY) || body[0] !== 4) continue;
    const digest = createHash('sha1')
      .update(Uint8Array.of(0x99))
      .update(uint16(body.length))
      .update(body)
      .digest('hex');
    if (digest.toUpperCase() === fingerprint.toUpperCase()) return body[5];
  }
  return undefined;
}

/** CRC-24 of RFC 9580 §6.1, the checksum line of ASCII armor. */
function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit += 1) {
      crc <<= 1;
      if ((crc & 0x1000000) !== 0) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/** ASCII armor (RFC 9580 §6.2) of a `PGP SIGNATURE` or a `PGP MESSAGE`. */
export function armor(kind: 'SIGNATURE' | 'MESSAGE', binary: Uint8Array): Uint8Array {
  const body = Buffer.from(binary)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  const crc = crc24(binary);
  const checksum = Buffer.from([crc >> 16, (crc >> 8) & 0xff, crc & 0xff]).toString('base64');
  return new TextEncoder().encode(
    `-----BEGIN PGP ${kind}-----\n\n${body}\n=${checksum}\n-----END PGP ${kind}-----\n`,
  );
}

/** True when the bytes start (after white space) with an armor header line. */
export function isArmored(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 64))
    .toString('latin1')
    .trimStart()
    .startsWith('-----BEGIN PGP');
}

/**
 * The binary data of an armored block (headers skipped, the checksum checked when present).
 * @throws CliError (exit 2) for text that is not armor.
 */
export function dearmor(text: Uint8Array): Uint8Array {
  const lines = Buffer.from(text).toString('latin1').split(/\r?\n/);
  const begin = lines.findIndex((line) => /^-----BEGIN PGP [A-Z ,0-9/]+-----\s*$/.test(line));
  if (begin === -1) throw invalid('no "-----BEGIN PGP" armor line');
  let index = begin + 1;
  // Armor headers ("Version: …", "Comment: …") end at the first empty line.
  while (index < lines.length && (lines[index] ?? '').trim() !== '') {
    if (!(lines[index] ?? '').includes(': ')) break;
    index += 1;
  }
  let base64 = '';
  let checksum: string | undefined;
  for (; index < lines.length; index += 1) {
    const line = (lines[index] ?? '').trim();
    if (line.startsWith('-----END PGP')) {
      const binary = new Uint8Array(Buffer.from(base64, 'base64'));
      if (checksum !== undefined) {
        const crc = crc24(binary);
        const expected = Buffer.from([crc >> 16, (crc >> 8) & 0xff, crc & 0xff]).toString('base64');
        if (expected !== checksum) throw invalid('the armor checksum does not match its data');
      }
      return binary;
    }
    if (line.startsWith('=') && line.length === 5) checksum = line.slice(1);
    else base64 += line;
  }
  throw invalid('no "-----END PGP" armor line');
}
