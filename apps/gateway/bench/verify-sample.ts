import { createPublicKey, verify } from 'node:crypto';

/**
 * Checks a sample signature against the public key with node:crypto, so that a benchmark never
 * measures a path that makes bad signatures: RSA PKCS#1 v1.5 and ECDSA (r‖s) over SHA-256 of
 * `message`, or pure Ed25519 over `message` itself.
 *
 * @throws Error naming `what` when the signature does not verify.
 */
export function verifySample(
  what: string,
  spki: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): void {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const valid =
    key.asymmetricKeyType === 'ed25519'
      ? verify(null, message, key, signature)
      : verify(
          'sha256',
          message,
          key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key,
          signature,
        );
  if (!valid) throw new Error(`${what}: a sample signature does not verify`);
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32-byte key. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** OID of Ed25519 in OpenPGP's legacy EdDSA keys (1.3.6.1.4.1.11591.15.1), DER body. */
const OPENPGP_ED25519_OID = Buffer.from('2b06010401da470f01', 'hex');

/** OpenPGP public-key algorithm 22: EdDSA (legacy). */
const EDDSA_LEGACY = 22;

/** The bytes of an ASCII-armored OpenPGP block (RFC 4880 §6.2), without the checksum. */
export function dearmor(armored: string): Uint8Array {
  const lines = armored.split(/\r?\n/);
  const begin = lines.findIndex((line) => line.startsWith('-----BEGIN PGP'));
  const blank = lines.findIndex((line, index) => index > begin && line.trim() === '');
  const end = lines.findIndex((line, index) => index > blank && line.startsWith('-----END PGP'));
  if (begin === -1 || blank === -1 || end === -1) throw new Error('not an armored OpenPGP block');
  const body = lines
    .slice(blank + 1, end)
    .filter((line) => !line.startsWith('='))
    .join('');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

/** The first packet of a binary OpenPGP stream (RFC 4880 §4.2): its tag and body. */
function firstPacket(bytes: Uint8Array): { tag: number; body: Uint8Array } {
  const header = bytes[0] ?? 0;
  if ((header & 0x80) === 0) throw new Error('not an OpenPGP packet');
  if ((header & 0x40) === 0) {
    // Old format: tag in bits 5-2, length type in bits 1-0 (0: 1 byte, 1: 2, 2: 4).
    const sizes = [1, 2, 4];
    const size = sizes[header & 0x03];
    if (size === undefined) throw new Error('indeterminate OpenPGP packet length');
    let length = 0;
    for (let index = 1; index <= size; index += 1) length = length * 256 + (bytes[index] ?? 0);
    return { tag: (header >> 2) & 0x0f, body: bytes.subarray(1 + size, 1 + size + length) };
  }
  // New format: one-, two- or five-octet lengths (a key packet is never partial).
  const first = bytes[1] ?? 0;
  if (first < 192) return { tag: header & 0x3f, body: bytes.subarray(2, 2 + first) };
  if (first < 224) {
    const length = ((first - 192) << 8) + (bytes[2] ?? 0) + 192;
    return { tag: header & 0x3f, body: bytes.subarray(3, 3 + length) };
  }
  if (first === 255) {
    const length = Buffer.from(bytes.subarray(2, 6)).readUInt32BE(0);
    return { tag: header & 0x3f, body: bytes.subarray(6, 6 + length) };
  }
  throw new Error('partial OpenPGP packet length');
}

/**
 * The Ed25519 SubjectPublicKeyInfo of an OpenPGP certificate whose primary key is a v4 legacy
 * EdDSA Ed25519 key (what `gpg --quick-gen-key … ed25519` and openpgp.js `ed25519Legacy`
 * make), read from its public-key packet: independent of the providers under test.
 *
 * @throws Error when the first packet is not such a key.
 */
export function ed25519SpkiOfCertificate(certificate: Uint8Array): Uint8Array {
  const { tag, body } = firstPacket(certificate);
  if (tag !== 6 || body[0] !== 4 || body[5] !== EDDSA_LEGACY) {
    throw new Error('the certificate does not start with a v4 EdDSA public key packet');
  }
  const oidLength = body[6] ?? 0;
  const oid = body.subarray(7, 7 + oidLength);
  if (!Buffer.from(oid).equals(OPENPGP_ED25519_OID)) throw new Error('not an Ed25519 key');
  // An MPI: a two-byte bit count, then 0x40 (native point format) and the 32-byte key.
  const point = body.subarray(7 + oidLength + 2);
  if (point.length !== 33 || point[0] !== 0x40) throw new Error('unexpected Ed25519 point');
  return new Uint8Array(Buffer.concat([ED25519_SPKI_PREFIX, point.subarray(1)]));
}
