import { createHash, createPublicKey } from 'node:crypto';
import type { EcCurve, KeyAlgorithm } from '../contract/algorithms.js';
import { bitLength, bytesToBigInt, stripLeadingZeros } from '../encoding/bytes.js';
import {
  DerError,
  DerTag,
  decodeOid,
  decodeUnsignedInteger,
  encodeElement,
  encodeOid,
  encodeUnsignedInteger,
  mapDerError,
  readChildren,
  readWholeElement,
} from '../encoding/der.js';
import { EC_CURVE_PARAMETERS, curveByOid } from '../encoding/ec-curves.js';
import { invalidInput, unsupported } from '../util/errors.js';
import type { OkpKind } from './oids.js';
import { OKP_KEY_BYTES, OKP_OID, SpkiOid } from './oids.js';

/**
 * A public key as its raw parameters: what gpg S-expressions, PKCS#11 attributes and OpenPGP
 * packets carry.
 *
 * - `rsa`: modulus and public exponent, unsigned big-endian (leading zeros allowed on input,
 *   none on output).
 * - `ec`: a SEC 1 point, uncompressed `04 ‖ x ‖ y` or compressed `02|03 ‖ x`.
 * - `ed25519`/`ed448`: the RFC 8032 encoding; `x25519`/`x448`: the RFC 7748 u-coordinate
 *   (little-endian). OpenPGP's legacy cv25519 point is `0x40 ‖` these same 32 bytes.
 */
export type RawPublicKey =
  | { readonly kind: 'rsa'; readonly n: Uint8Array; readonly e: Uint8Array }
  | { readonly kind: 'ec'; readonly curve: EcCurve; readonly point: Uint8Array }
  | { readonly kind: OkpKind; readonly publicKey: Uint8Array };

const SUPPORTED =
  'RSA, EC (P-256, P-384, P-521, secp256k1, brainpoolP256r1/384r1/512r1), Ed25519, Ed448, X25519, X448';

/**
 * SHA-256 of a DER SubjectPublicKeyInfo as 64 lower-case hex digits: the `spkiSha256` alias
 * that recognises one key across providers.
 *
 * Only the DER structure is checked, so keys of algorithms keyroute does not otherwise
 * support still get an alias.
 *
 * @throws ProviderError `INVALID_INPUT` when `spki` is not a DER SubjectPublicKeyInfo.
 */
export function spkiSha256(spki: Uint8Array): string {
  parseStructure(spki);
  return createHash('sha256').update(spki).digest('hex');
}

/**
 * The algorithm of a DER SubjectPublicKeyInfo with its size or curve.
 *
 * @throws ProviderError `INVALID_INPUT` when `spki` is not a valid SubjectPublicKeyInfo
 *   (malformed DER, a point not on its curve, a key of the wrong length).
 * @throws ProviderError `UNSUPPORTED` for other algorithms (DSA, RSA-PSS, …) and curves.
 */
export function describePublicKey(spki: Uint8Array): KeyAlgorithm {
  const key = spkiToRawPublicKey(spki);
  switch (key.kind) {
    case 'rsa':
      return { kind: 'rsa', bits: bitLength(bytesToBigInt(key.n)) };
    case 'ec':
      return { kind: 'ec', curve: key.curve };
    default:
      return { kind: key.kind };
  }
}

/**
 * Builds the DER SubjectPublicKeyInfo of a key given by its raw parameters. RSA integers are
 * written minimally; points and raw keys are written as given, so
 * `publicKeyToSpki(spkiToRawPublicKey(x))` returns `x` for every SPKI `x` the parser accepts
 * (it accepts strict DER only).
 *
 * @throws ProviderError `INVALID_INPUT` when the parameters are not a valid public key
 *   (empty modulus, point of the wrong size or not on the curve, raw key of the wrong length).
 * @throws ProviderError `UNSUPPORTED` for a `kind` or `curve` outside {@link RawPublicKey}.
 */
export function publicKeyToSpki(key: RawPublicKey): Uint8Array {
  let spki: Uint8Array;
  switch (key.kind) {
    case 'rsa': {
      if (stripLeadingZeros(key.n).length === 0 || stripLeadingZeros(key.e).length === 0) {
        throw invalidInput('RSA modulus and exponent must be non-zero');
      }
      const rsaKey = encodeElement(
        DerTag.SEQUENCE,
        encodeUnsignedInteger(key.n),
        encodeUnsignedInteger(key.e),
      );
      spki = assemble(SpkiOid.RSA, encodeElement(DerTag.NULL), rsaKey);
      break;
    }
    case 'ec': {
      const info = EC_CURVE_PARAMETERS[key.curve] as
        (typeof EC_CURVE_PARAMETERS)[EcCurve] | undefined;
      if (!info) throw unsupported(`unsupported curve ${key.curve}; supported: ${SUPPORTED}`);
      checkPoint(key.point, info.fieldBytes, info.name);
      spki = assemble(SpkiOid.EC_PUBLIC_KEY, encodeOid(info.oid), key.point);
      break;
    }
    case 'ed25519':
    case 'x25519':
    case 'ed448':
    case 'x448':
      checkOkpLength(key.kind, key.publicKey);
      spki = assemble(OKP_OID[key.kind], undefined, key.publicKey);
      break;
    default:
      throw unsupported(
        `unsupported key kind ${String((key as { kind: unknown }).kind)}; supported: ${SUPPORTED}`,
      );
  }
  checkWithNode(spki);
  return spki;
}

/**
 * The raw parameters of a DER SubjectPublicKeyInfo; the inverse of {@link publicKeyToSpki}.
 * The arrays returned are copies.
 *
 * @throws ProviderError `INVALID_INPUT` when `spki` is not a valid SubjectPublicKeyInfo.
 * @throws ProviderError `UNSUPPORTED` for algorithms and curves outside {@link RawPublicKey}.
 */
export function spkiToRawPublicKey(spki: Uint8Array): RawPublicKey {
  const { algorithm, parameters, key } = parseStructure(spki);
  let raw: RawPublicKey;
  switch (algorithm) {
    case SpkiOid.RSA:
      raw = parseRsa(parameters, key);
      break;
    case SpkiOid.EC_PUBLIC_KEY:
      raw = parseEc(parameters, key);
      break;
    default: {
      const kind = (Object.keys(OKP_OID) as OkpKind[]).find((k) => OKP_OID[k] === algorithm);
      if (!kind) {
        throw unsupported(`unsupported public-key algorithm ${algorithm}; supported: ${SUPPORTED}`);
      }
      // RFC 8410 §3: the parameters MUST be absent.
      if (parameters) throw invalidInput(`${kind} key with algorithm parameters`);
      checkOkpLength(kind, key);
      raw = { kind, publicKey: new Uint8Array(key) };
    }
  }
  checkWithNode(spki);
  return raw;
}

interface SpkiStructure {
  readonly algorithm: string;
  readonly parameters: { readonly tag: number; readonly content: Uint8Array } | undefined;
  readonly key: Uint8Array;
}

// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
// AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
// (RFC 5280 §4.1.1.2 and §4.1.2.7)
function parseStructure(spki: Uint8Array): SpkiStructure {
  return mapDerError(
    () => {
      const outer = readWholeElement(spki, DerTag.SEQUENCE, 'SubjectPublicKeyInfo');
      const [algorithmId, bits, extra] = readChildren(outer.content);
      if (!algorithmId || !bits || extra) throw new DerError('expected exactly two elements');
      if (algorithmId.tag !== DerTag.SEQUENCE)
        throw new DerError('AlgorithmIdentifier is not a SEQUENCE');
      if (bits.tag !== DerTag.BIT_STRING)
        throw new DerError('subjectPublicKey is not a BIT STRING');
      const [oid, parameters, more] = readChildren(algorithmId.content);
      if (oid?.tag !== DerTag.OBJECT_IDENTIFIER || more) {
        throw new DerError('AlgorithmIdentifier must be an OID and optional parameters');
      }
      // The first content octet of a BIT STRING counts the unused bits; keys are whole bytes.
      if (bits.content[0] !== 0) throw new DerError('subjectPublicKey has unused bits');
      return { algorithm: decodeOid(oid.content), parameters, key: bits.content.subarray(1) };
    },
    (error) => invalidInput(`not a DER SubjectPublicKeyInfo: ${error.message}`, error),
  );
}

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1)
function parseRsa(parameters: SpkiStructure['parameters'], key: Uint8Array): RawPublicKey {
  if (parameters?.tag !== DerTag.NULL || parameters.content.length !== 0) {
    throw invalidInput('RSA key parameters must be NULL (RFC 3279 §2.3.1)');
  }
  return mapDerError(
    () => {
      const sequence = readWholeElement(key, DerTag.SEQUENCE, 'RSAPublicKey');
      const [n, e, extra] = readChildren(sequence.content);
      if (n?.tag !== DerTag.INTEGER || e?.tag !== DerTag.INTEGER || extra) {
        throw new DerError('RSAPublicKey must be two INTEGERs');
      }
      const modulus = decodeUnsignedInteger(n.content, 'modulus');
      const exponent = decodeUnsignedInteger(e.content, 'publicExponent');
      if (modulus.length === 0 || exponent.length === 0)
        throw new DerError('zero modulus or exponent');
      return { kind: 'rsa', n: new Uint8Array(modulus), e: new Uint8Array(exponent) };
    },
    (error) => invalidInput(`malformed RSA public key: ${error.message}`, error),
  );
}

// ECParameters ::= CHOICE { namedCurve OBJECT IDENTIFIER, ... } (RFC 5480 §2.1.1)
function parseEc(parameters: SpkiStructure['parameters'], key: Uint8Array): RawPublicKey {
  if (!parameters) throw invalidInput('EC key without curve parameters');
  if (parameters.tag === DerTag.SEQUENCE) {
    throw unsupported('EC key with explicit curve parameters; only named curves are supported');
  }
  if (parameters.tag !== DerTag.OBJECT_IDENTIFIER)
    throw invalidInput('EC key parameters are not a curve OID');
  const oid = mapDerError(
    () => decodeOid(parameters.content),
    (error) => invalidInput(`malformed curve OID: ${error.message}`, error),
  );
  const info = curveByOid(oid);
  if (!info) throw unsupported(`unsupported EC curve ${oid}; supported: ${SUPPORTED}`);
  checkPoint(key, info.fieldBytes, info.name);
  return { kind: 'ec', curve: info.name, point: new Uint8Array(key) };
}

// SEC 1 §2.3.3: 04 ‖ x ‖ y, or 02/03 ‖ x. Hybrid (06/07) and infinity (00) are refused.
function checkPoint(point: Uint8Array, fieldBytes: number, curve: EcCurve): void {
  const form = point[0];
  const ok =
    (form === 0x04 && point.length === 1 + 2 * fieldBytes) ||
    ((form === 0x02 || form === 0x03) && point.length === 1 + fieldBytes);
  if (!ok) {
    throw invalidInput(
      `${curve} point must be 04‖x‖y (${1 + 2 * fieldBytes} bytes) or 02/03‖x (${1 + fieldBytes} bytes); got ${point.length} bytes starting 0x${(form ?? 0).toString(16)}`,
    );
  }
}

function checkOkpLength(kind: OkpKind, publicKey: Uint8Array): void {
  if (publicKey.length !== OKP_KEY_BYTES[kind]) {
    throw invalidInput(
      `${kind} public key must be ${OKP_KEY_BYTES[kind]} bytes, got ${publicKey.length}`,
    );
  }
}

function assemble(oid: string, parameters: Uint8Array | undefined, key: Uint8Array): Uint8Array {
  const algorithm = parameters
    ? encodeElement(DerTag.SEQUENCE, encodeOid(oid), parameters)
    : encodeElement(DerTag.SEQUENCE, encodeOid(oid));
  return encodeElement(
    DerTag.SEQUENCE,
    algorithm,
    encodeElement(DerTag.BIT_STRING, Uint8Array.of(0), key),
  );
}

// OpenSSL checks what the DER cannot: that an EC point lies on its curve, RSA sanity.
function checkWithNode(spki: Uint8Array): void {
  try {
    createPublicKey({
      key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength),
      format: 'der',
      type: 'spki',
    });
  } catch (error) {
    throw invalidInput('not a valid public key: node:crypto (OpenSSL) rejects it', error);
  }
}
