import {
  ProviderError,
  verifySignature,
  type CallDeadline,
  type VerifyRequest,
  type VerifyResult,
} from '@keyroute/core';
import { createMessage, readCleartextMessage, readMessage, readSignature } from 'openpgp';
import { verifyMessage, type VerifyOutcome } from './openpgp-calls.js';
import type { OpenPgpKeyRecord } from '../keys/describe-key.js';
import type { OpenPgpContext } from './context.js';

const ascii = new TextDecoder('latin1');

/** What an OpenPGP signature blob is, judged from its armor or first packet. */
type SignatureShape = 'detached' | 'cleartext' | 'inline';

function shapeOf(signature: Uint8Array): { shape: SignatureShape; armored: boolean } {
  // A packet header has its top bit set; armor starts with text.
  if (((signature[0] ?? 0) & 0x80) !== 0) {
    return { shape: onlySignaturePackets(signature) ? 'detached' : 'inline', armored: false };
  }
  const head = ascii.decode(signature.subarray(0, 64)).trimStart();
  if (head.startsWith('-----BEGIN PGP SIGNED MESSAGE-----'))
    return { shape: 'cleartext', armored: true };
  if (head.startsWith('-----BEGIN PGP SIGNATURE-----')) return { shape: 'detached', armored: true };
  if (head.startsWith('-----BEGIN PGP MESSAGE-----')) return { shape: 'inline', armored: true };
  // Binary: signature packets only make a detached signature; anything else is a message (a
  // signed message may also start with its signature packet, RFC 4880 §11.3).
  return { shape: onlySignaturePackets(signature) ? 'detached' : 'inline', armored: false };
}

/** Walks the packet headers (RFC 9580 §4.2): true when every packet is a signature (tag 2). */
function onlySignaturePackets(bytes: Uint8Array): boolean {
  let offset = 0;
  while (offset < bytes.length) {
    const first = bytes[offset] ?? 0;
    if ((first & 0x80) === 0) return false;
    let tag: number;
    let length: number;
    let header: number;
    if ((first & 0x40) !== 0) {
      tag = first & 0x3f;
      const octet = bytes[offset + 1] ?? 0;
      if (octet < 192) [length, header] = [octet, 2];
      else if (octet < 224)
        [length, header] = [((octet - 192) << 8) + (bytes[offset + 2] ?? 0) + 192, 3];
      else if (octet === 255)
        [length, header] = [Buffer.from(bytes.subarray(offset + 2, offset + 6)).readUInt32BE(0), 6];
      else return false; // partial lengths: a streamed message
    } else {
      tag = (first >> 2) & 0x0f;
      const type = first & 0x03;
      if (type === 3) return false; // indeterminate length: a message
      const size = 1 << type;
      header = 1 + size;
      length = 0;
      for (let index = 0; index < size; index += 1)
        length = length * 256 + (bytes[offset + 1 + index] ?? 0);
    }
    if (tag !== 2) return false;
    offset += header + length;
  }
  return offset === bytes.length;
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Why a key that made a signature does not count now, or undefined. */
function signerProblem(record: OpenPgpKeyRecord, now: Date): string | undefined {
  if (record.info.revoked === true) return 'the signing key is revoked';
  const expires = record.info.expiresAt;
  if (expires !== undefined && expires.getTime() <= now.getTime())
    return 'the signing key has expired';
  return undefined;
}

/**
 * Checks a signature. `format: 'raw'` in software (core). `format: 'openpgp'`: a detached
 * signature over `data`, or a cleartext / inline signed message (then `data` may be empty, or
 * must equal the signed content); openpgp.js verifies with `expectSigned`, so content is
 * returned (`result.data`) only when bound to a valid signature by the named key (or, for a
 * primary key, one of its subkeys). Expired and revoked signers are `valid: false` with their
 * own reasons; any other failure is `valid: false` with a short reason, never an exception.
 */
export async function verifyWithOpenPgpKey(
  context: OpenPgpContext,
  request: VerifyRequest,
  deadline: CallDeadline,
): Promise<VerifyResult> {
  const record = await context.directory.find(request.key);
  const key = { id: record.info.id, provider: context.provider };
  const format: unknown = request.format ?? 'raw';
  if (format === 'raw') {
    return {
      valid: await verifySignature(record.info.publicKey, request, { signal: deadline.signal }),
      key,
    };
  }
  if (format !== 'openpgp') {
    throw new ProviderError(
      'UNSUPPORTED',
      `the openpgp provider does not verify ${String(format)} signatures`,
      {
        provider: context.provider,
        key: request.key,
      },
    );
  }
  const { data, signature } = request;
  if (!(data instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
    throw new ProviderError(
      'INVALID_INPUT',
      'OpenPGP signatures are verified over data, not a digest',
      {
        provider: context.provider,
        key: request.key,
      },
    );
  }
  let outcome: VerifyOutcome;
  const { shape, armored } = shapeOf(signature);
  try {
    if (shape === 'cleartext') {
      outcome = await verifyMessage({
        message: await readCleartextMessage({ cleartextMessage: text(signature) }),
        verificationKeys: record.certificate,
      });
    } else if (shape === 'inline') {
      outcome = await verifyMessage({
        message: armored
          ? await readMessage({ armoredMessage: text(signature) })
          : await readMessage({ binaryMessage: signature }),
        verificationKeys: record.certificate,
      });
    } else {
      outcome = await verifyMessage({
        message: await createMessage({ binary: data }),
        signature: armored
          ? await readSignature({ armoredSignature: text(signature) })
          : await readSignature({ binarySignature: signature }),
        verificationKeys: record.certificate,
      });
    }
  } catch (error) {
    const problem = signerProblem(record, new Date());
    return {
      valid: false,
      key,
      reason:
        problem ??
        `the OpenPGP signature does not verify: ${error instanceof Error ? error.message : 'invalid'}`,
    };
  }
  if (deadline.stopped) throw deadline.reason;
  return judge(record, outcome, shape, data, key);
}

const signersCache = new WeakMap<OpenPgpKeyRecord, ReadonlyMap<string, string>>();

/**
 * The key IDs (hex) whose signatures count for a record, with their fingerprints: the subkey
 * itself, or every key of the certificate for a primary key. Cached per record.
 */
function signersOf(record: OpenPgpKeyRecord): ReadonlyMap<string, string> {
  let signers = signersCache.get(record);
  if (signers === undefined) {
    const parts = record.certificate
      .getKeys()
      .filter(
        (part) => !record.isSubkey || part.getFingerprint().toUpperCase() === record.fingerprint,
      );
    signers = new Map(
      parts.map((part) => [part.getKeyID().toHex(), part.getFingerprint().toUpperCase()]),
    );
    signersCache.set(record, signers);
  }
  return signers;
}

async function judge(
  record: OpenPgpKeyRecord,
  outcome: VerifyOutcome,
  shape: SignatureShape,
  data: Uint8Array,
  key: VerifyResult['key'],
): Promise<VerifyResult> {
  const acceptable = signersOf(record);
  for (const candidate of outcome.signatures) {
    const signer = acceptable.get(candidate.keyID.toHex());
    if (signer === undefined) continue;
    let packet: { created?: Date | null } | undefined;
    try {
      // Both are settled by openpgp.js's own `expectSigned` check: one wait for the two.
      const [, signature] = await Promise.all([candidate.verified, candidate.signature]);
      packet = signature.packets[0];
    } catch {
      continue;
    }
    const content =
      typeof outcome.data === 'string' ? new TextEncoder().encode(outcome.data) : outcome.data;
    if (shape !== 'detached' && data.length > 0 && !Buffer.from(content).equals(data)) {
      return { valid: false, key, reason: 'the signed content differs from the data given' };
    }
    return {
      valid: true,
      key,
      signer: { fingerprint: signer, ...(packet?.created ? { createdAt: packet.created } : {}) },
      ...(shape === 'detached' ? {} : { data: content }),
    };
  }
  return {
    valid: false,
    key,
    reason: signerProblem(record, new Date()) ?? 'no valid signature by this key',
  };
}
