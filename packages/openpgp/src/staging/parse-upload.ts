import { ProviderError } from '@keyroute/core';
import { PublicKey, readKeys } from 'openpgp';
import type { Key } from 'openpgp';
import { fingerprintOf } from '../keystore/fingerprint.js';

/** Uploads larger than this are refused unless the caller allows more: 1 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 1024 * 1024;

const ARMOR_START = '-----BEGIN PGP ';

/** Options of {@link parseCertificateUpload}. */
export interface ParseUploadOptions {
  /** Largest upload accepted, in bytes; {@link DEFAULT_MAX_UPLOAD_BYTES} by default. */
  readonly maxBytes?: number;
  /** Provider id, for errors. */
  readonly provider?: string;
}

/** True when `bytes` start (after white space) with an armor header line. */
function looksArmored(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 1024)).trimStart();
  return head.startsWith(ARMOR_START);
}

/**
 * Parses an uploaded certificate, armored (text, or bytes holding text) or binary. It must hold
 * exactly one key, and no secret key material: an upload is somebody's public certificate.
 *
 * @throws ProviderError `INVALID_INPUT` for an upload that is too large, unparseable, empty,
 *   holds several keys (they are listed), or a secret key (nothing of it is echoed).
 */
export async function parseCertificateUpload(
  input: string | Uint8Array,
  options: ParseUploadOptions = {},
): Promise<PublicKey> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const invalid = (message: string, cause?: unknown): ProviderError =>
    new ProviderError('INVALID_INPUT', message, {
      ...(cause === undefined ? {} : { cause }),
      ...(options.provider === undefined ? {} : { provider: options.provider }),
    });
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > maxBytes) {
    throw invalid(`the certificate upload is ${size} bytes, more than the ${maxBytes} allowed`);
  }
  let keys: Key[];
  try {
    if (typeof input === 'string') {
      if (!input.trimStart().startsWith(ARMOR_START)) {
        throw new Error('text that is not OpenPGP armor');
      }
      keys = await readKeys({ armoredKeys: input });
    } else if (looksArmored(input)) {
      keys = await readKeys({ armoredKeys: new TextDecoder().decode(input) });
    } else {
      keys = await readKeys({ binaryKeys: input });
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalid(`the upload is not an OpenPGP certificate: ${reason}`, error);
  }
  const [key] = keys;
  if (key === undefined) throw invalid('the upload holds no certificate');
  if (keys.some((candidate) => candidate.isPrivate()) || !(key instanceof PublicKey)) {
    throw invalid('the upload holds secret key material; upload only the public certificate');
  }
  if (keys.length > 1) {
    const fingerprints = keys.map((candidate) => fingerprintOf(candidate)).join(', ');
    throw invalid(
      `the upload holds ${keys.length} certificates (${fingerprints}); upload one at a time`,
    );
  }
  return key;
}
