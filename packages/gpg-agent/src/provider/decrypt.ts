import { createPublicKey } from 'node:crypto';
import {
  ProviderError,
  formatAlgorithm,
  publicKeyToSpki,
  spkiToRawPublicKey,
  type DecryptRequest,
  type DecryptResult,
  type HashAlgorithm,
  type KeyAlgorithm,
  type RawPublicKey,
} from '@keyroute/core';
import { gpgDecrypt } from '../gnupg/index.js';
import {
  decodeDecryptedValue,
  decodeOaep,
  ecdhCiphertextSexp,
  ecdhSharedSecret,
  rsaCiphertextSexp,
} from '../sexp/index.js';
import type { AgentKey } from './agent-key.js';
import { homedirOption, type ProviderContext } from './context.js';
import { keyOperationError } from './key-operation-error.js';
import { passphraseForTool, passphraseInquirer, type PassphraseState } from './passphrase.js';
import { addressedTo, leadingRecipients } from './openpgp-recipients.js';
import { withSelectedKey } from './selected-key.js';

/** OAEP hashes the provider decrypts with (OAEP is decoded here, so any node hash would do). */
export const OAEP_HASHES = ['sha1', 'sha256', 'sha384', 'sha512'] as const;

function fail(
  context: ProviderContext,
  code: 'UNSUPPORTED' | 'INVALID_INPUT',
  message: string,
  key: string,
): ProviderError {
  return new ProviderError(code, message, { provider: context.options.id, key });
}

/**
 * Decrypts with (or completes a key agreement with) a key the agent holds: `rsa-oaep` and
 * `rsa-pkcs1v15` (when allowed) through `SETKEY`/`PKDECRYPT` with the padding removed here,
 * `ecdh` through `PKDECRYPT` of the peer's point, `openpgp` through `gpg --decrypt`.
 *
 * @throws ProviderError `KEY_NOT_FOUND`, `UNSUPPORTED` (a scheme or hash not offered, or that
 *   does not fit the key), `INVALID_INPUT` (a ciphertext that does not decrypt, a peer key on
 *   another curve), `LOCKED`, `BAD_SECRET`, `UNAVAILABLE`.
 */
export async function decryptWithAgent(
  context: ProviderContext,
  request: DecryptRequest,
  signal: AbortSignal,
): Promise<DecryptResult> {
  const key = await context.directory.find(request.key, signal);
  const keyRef = { id: key.info.id, provider: key.info.provider };
  const { algorithm } = key.info;
  const name = formatAlgorithm(algorithm);
  const scheme: unknown = request.scheme;
  switch (request.scheme) {
    case 'rsa-oaep': {
      if (algorithm.kind !== 'rsa') {
        throw fail(context, 'UNSUPPORTED', `rsa-oaep needs an RSA key, not ${name}`, request.key);
      }
      const hash: HashAlgorithm = request.hash ?? 'sha256';
      if (!(OAEP_HASHES as readonly string[]).includes(hash)) {
        throw fail(
          context,
          'UNSUPPORTED',
          `OAEP with ${hash} is not supported; use one of ${OAEP_HASHES.join(', ')}`,
          request.key,
        );
      }
      const k = Math.ceil(algorithm.bits / 8);
      const encoded = await rsaDecrypt(context, key, request.ciphertext, k, request.key, signal);
      const plaintext = decodeOaep(encoded, k, hash, request.label);
      return { scheme: 'rsa-oaep', key: keyRef, plaintext };
    }
    case 'rsa-pkcs1v15': {
      if (algorithm.kind !== 'rsa') {
        throw fail(
          context,
          'UNSUPPORTED',
          `rsa-pkcs1v15 needs an RSA key, not ${name}`,
          request.key,
        );
      }
      if (!context.options.allowPkcs1v15Decrypt) {
        throw fail(
          context,
          'UNSUPPORTED',
          'RSA PKCS #1 v1.5 decryption is off (padding-oracle risk); enable allowPkcs1v15Decrypt to use it',
          request.key,
        );
      }
      const k = Math.ceil(algorithm.bits / 8);
      const encoded = await rsaDecrypt(context, key, request.ciphertext, k, request.key, signal);
      return { scheme: 'rsa-pkcs1v15', key: keyRef, plaintext: decodePkcs1v15(encoded, context) };
    }
    case 'ecdh': {
      if (algorithm.kind !== 'ec' && algorithm.kind !== 'x25519') {
        throw fail(
          context,
          'UNSUPPORTED',
          `ecdh needs an EC or X25519 key, not ${name}`,
          request.key,
        );
      }
      const point = peerPoint(context, algorithm, request.peerPublicKey, request.key);
      const value = await agentDecrypt(
        context,
        key,
        ecdhCiphertextSexp(point),
        request.key,
        signal,
      );
      const sharedSecret = ecdhSharedSecret(
        value,
        algorithm.kind === 'x25519' ? 'x25519' : algorithm.curve,
      );
      return { scheme: 'ecdh', key: keyRef, sharedSecret };
    }
    case 'openpgp': {
      if (!(request.message instanceof Uint8Array)) {
        throw fail(
          context,
          'INVALID_INPUT',
          'the OpenPGP message must be a Uint8Array',
          request.key,
        );
      }
      const recipients = leadingRecipients(request.message);
      const keyId = key.info.aliases.openpgpKeyId;
      if (
        recipients === 'malformed' ||
        (recipients !== 'armored' && (keyId === undefined || !addressedTo(recipients, keyId)))
      ) {
        throw fail(
          context,
          'INVALID_INPUT',
          `the OpenPGP message is not encrypted to key ${key.info.id}`,
          request.key,
        );
      }
      const passphrase = await passphraseForTool(context, key, signal);
      const { plaintext } = await gpgDecrypt({
        ...homedirOption(context),
        message: request.message,
        ...(passphrase === undefined ? {} : { passphrase }),
        signal,
      });
      return { scheme: 'openpgp', key: keyRef, plaintext };
    }
    default:
      throw fail(
        context,
        'UNSUPPORTED',
        `unknown decryption scheme ${String(scheme)}; use rsa-oaep, ecdh or openpgp`,
        (request as { key: string }).key,
      );
  }
}

/** Raw RSA decryption by the agent, left-padded to the modulus length `k`. */
async function rsaDecrypt(
  context: ProviderContext,
  key: AgentKey,
  ciphertext: Uint8Array,
  k: number,
  reference: string,
  signal: AbortSignal,
): Promise<Uint8Array> {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length === 0 || ciphertext.length > k) {
    throw fail(
      context,
      'INVALID_INPUT',
      `an RSA ciphertext for this key is at most ${k} bytes`,
      reference,
    );
  }
  const value = await agentDecrypt(context, key, rsaCiphertextSexp(ciphertext), reference, signal);
  if (value.length > k) {
    throw fail(
      context,
      'INVALID_INPUT',
      'the ciphertext does not decrypt with this key',
      reference,
    );
  }
  const padded = new Uint8Array(k);
  padded.set(value, k - value.length);
  return padded;
}

/** `SETKEY` + `PKDECRYPT`, answering `INQUIRE CIPHERTEXT` and `INQUIRE PASSPHRASE`. */
async function agentDecrypt(
  context: ProviderContext,
  key: AgentKey,
  ciphertextSexp: Uint8Array,
  reference: string,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const state: PassphraseState = { supplied: false, rejected: false };
  try {
    const data = await context.pool.use(
      (connection) =>
        withSelectedKey(connection, key.keygrip, signal, async () => {
          const result = await connection.transact('PKDECRYPT', undefined, {
            onInquire: passphraseInquirer(context, key, state, (keyword) =>
              keyword === 'CIPHERTEXT' ? ciphertextSexp : undefined,
            ),
            signal,
          });
          return result.data;
        }),
      signal,
    );
    return decodeDecryptedValue(data);
  } catch (error) {
    throw keyOperationError(context, error, 'PKDECRYPT', key, reference, state);
  }
}

function base64url(value: unknown): Uint8Array {
  return typeof value === 'string'
    ? new Uint8Array(Buffer.from(value, 'base64url'))
    : new Uint8Array();
}

/**
 * The peer key as gpg-agent's ECDH ciphertext point: `04‖x‖y` (uncompressed) for Weierstrass
 * curves, `40‖u` for X25519. Accepts DER SPKI or the raw point / u-coordinate.
 */
function peerPoint(
  context: ProviderContext,
  algorithm: Extract<KeyAlgorithm, { kind: 'ec' | 'x25519' }>,
  peer: Uint8Array,
  reference: string,
): Uint8Array {
  if (!(peer instanceof Uint8Array)) {
    throw fail(context, 'INVALID_INPUT', 'peerPublicKey must be a Uint8Array', reference);
  }
  let raw: RawPublicKey;
  const looksRaw = algorithm.kind === 'x25519' ? peer.length === 32 : peer[0] !== 0x30;
  try {
    if (looksRaw) {
      raw =
        algorithm.kind === 'x25519'
          ? { kind: 'x25519', publicKey: peer }
          : { kind: 'ec', curve: algorithm.curve, point: peer };
      // Validates the point (on the curve, right length) with node:crypto.
      publicKeyToSpki(raw);
    } else {
      raw = spkiToRawPublicKey(peer);
    }
  } catch (error) {
    throw new ProviderError(
      'INVALID_INPUT',
      `peerPublicKey is not a valid ${formatAlgorithm(algorithm)} public key (DER SPKI or raw point)`,
      { cause: error, provider: context.options.id, key: reference },
    );
  }
  if (algorithm.kind === 'x25519') {
    if (raw.kind !== 'x25519') {
      throw fail(context, 'INVALID_INPUT', `peerPublicKey is ${raw.kind}, not X25519`, reference);
    }
    return Uint8Array.of(0x40, ...raw.publicKey);
  }
  if (raw.kind !== 'ec' || raw.curve !== algorithm.curve) {
    const what = raw.kind === 'ec' ? `EC ${raw.curve}` : raw.kind;
    throw fail(
      context,
      'INVALID_INPUT',
      `peerPublicKey is ${what}, not on the key's curve ${algorithm.curve}`,
      reference,
    );
  }
  if (raw.point[0] === 0x04) return raw.point;
  // A compressed point: let node:crypto decompress it.
  const jwk = createPublicKey({
    key: Buffer.from(publicKeyToSpki(raw)),
    format: 'der',
    type: 'spki',
  }).export({ format: 'jwk' });
  return Uint8Array.of(0x04, ...base64url(jwk.x), ...base64url(jwk.y));
}

/**
 * Removes EME-PKCS1-v1_5 padding (RFC 8017 §7.2.2): `00 02 PS 00 M` with at least 8 non-zero
 * bytes of PS. Every failure is the same error, and the scan does not stop early, so the
 * failure reveals as little as possible about where the padding broke.
 */
function decodePkcs1v15(encoded: Uint8Array, context: ProviderContext): Uint8Array {
  let bad = (encoded[0] ?? 1) | ((encoded[1] ?? 0) ^ 0x02);
  let separator = 0;
  for (let index = 2; index < encoded.length; index += 1) {
    const isZero = (encoded[index] ?? 1) === 0 ? 1 : 0;
    const first = isZero & (separator === 0 ? 1 : 0);
    separator = first === 1 ? index : separator;
  }
  bad |= separator === 0 ? 1 : 0;
  bad |= separator < 10 ? 1 : 0;
  if (bad !== 0) {
    throw new ProviderError('INVALID_INPUT', 'the ciphertext does not decrypt with this key', {
      provider: context.options.id,
    });
  }
  return encoded.slice(separator + 1);
}
