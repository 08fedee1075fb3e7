import { createHash } from 'node:crypto';
import {
  HASH_ALGORITHMS,
  SIGN_SCHEMES,
  defaultSignScheme,
  formatAlgorithm,
  schemeFitsAlgorithm,
  type HashAlgorithm,
  type KeyInfo,
  type Provider,
  type SignScheme,
} from '@keyroute/core';
import type { Flags } from './args.js';
import type { Command } from './command.js';
import { CliError, CliUsageError, EXIT } from './errors.js';
import { inputOf, readWhole, streamInput, writeOutput, type InputName } from './io.js';
import {
  OPENPGP_HASH_IDS,
  PUBLIC_KEY_ALGORITHM,
  armor,
  keyPacketAlgorithm,
  signatureAlgorithmOf,
  signatureFrame,
  signaturePacket,
  type OpenPgpHash,
  type PublicKeyAlgorithmId,
} from './openpgp-packets.js';
import { TARGET_FLAGS, resolveKey, withTarget } from './target.js';

/**
 * Largest input of a raw EdDSA signature: pure EdDSA signs the message itself, so the input is
 * read whole and sent to the provider (a gateway also applies its body limit, 1 MiB by
 * default). Other schemes — and `--format openpgp` with any key — hash while streaming.
 */
export const EDDSA_MAX_BYTES = 16 * 2 ** 20;

/** `--encoding` of ECDSA signatures. */
export const ENCODINGS = ['p1363', 'der'] as const;

/** The formats `sign` and `verify` take. */
export const FORMATS = ['raw', 'openpgp'] as const;

const TOO_LARGE_FOR_EDDSA =
  'pure EdDSA signs the message itself, so the input is read whole; ' +
  'use --format openpgp (hashed while streaming) or an RSA/EC key for larger files';

/** The scheme for `key`: `--scheme`, else the key's natural one; a usage error when neither fits. */
export function schemeFor(key: KeyInfo, requested: SignScheme | undefined): SignScheme {
  const scheme = requested ?? defaultSignScheme(key.algorithm);
  if (scheme === undefined) {
    throw new CliUsageError(`key "${key.id}" (${formatAlgorithm(key.algorithm)}) cannot sign`);
  }
  if (!schemeFitsAlgorithm(scheme, key.algorithm)) {
    throw new CliUsageError(
      `--scheme ${scheme} does not fit key "${key.id}" (${formatAlgorithm(key.algorithm)})`,
    );
  }
  return scheme;
}

/** The digest of the whole input, hashed while it streams (and of `suffix` after it). */
export async function digestOf(
  input: InputName,
  hash: HashAlgorithm,
  suffix?: Uint8Array,
): Promise<Uint8Array> {
  const hasher = createHash(hash);
  await streamInput(input, (chunk) => hasher.update(chunk));
  if (suffix !== undefined) hasher.update(suffix);
  return new Uint8Array(hasher.digest());
}

/** Reads the input whole for pure EdDSA. */
export function eddsaInput(input: InputName): Promise<Uint8Array> {
  return readWhole(input, EDDSA_MAX_BYTES, TOO_LARGE_FOR_EDDSA);
}

/** The (sub)key's v4 OpenPGP fingerprint, which an OpenPGP signature names. */
export function openPgpFingerprintOf(key: KeyInfo): string {
  const fingerprint = key.aliases.openpgpFingerprint;
  if (fingerprint === undefined || !/^[0-9A-F]{40}$/i.test(fingerprint)) {
    throw new CliError(
      `key "${key.id}" has no v4 OpenPGP fingerprint (no OpenPGP certificate binds it here), ` +
        'so an OpenPGP signature by it could not be checked by gpg; use --format raw',
      EXIT.usage,
    );
  }
  return fingerprint.toUpperCase();
}

/** The OpenPGP hash named by `--hash`; a usage error for the others. */
export function openPgpHash(hash: HashAlgorithm): OpenPgpHash {
  if (!(hash in OPENPGP_HASH_IDS)) {
    throw new CliUsageError(
      `--format openpgp signs with ${Object.keys(OPENPGP_HASH_IDS).join(', ')}; not ${hash}`,
    );
  }
  return hash as OpenPgpHash;
}

/**
 * The public-key algorithm of the signature: RSA and ECDSA from the key; for Ed25519 the key
 * packet in the key's OpenPGP certificate says EdDSALegacy (22, GnuPG 2.2) or Ed25519 (27).
 */
export async function openPgpAlgorithmOf(
  provider: Provider,
  key: KeyInfo,
  fingerprint: string,
): Promise<PublicKeyAlgorithmId> {
  let packetAlgorithm: number | undefined;
  if (key.algorithm.kind === 'ed25519') {
    const certificates = await provider.listCertificates().catch(() => []);
    for (const certificate of certificates) {
      if (certificate.type !== 'openpgp') continue;
      if (!certificate.boundKeys.includes(key.aliases.spkiSha256)) continue;
      packetAlgorithm = keyPacketAlgorithm(certificate.encoded, fingerprint);
      if (packetAlgorithm !== undefined) break;
    }
  }
  return signatureAlgorithmOf(key.algorithm, packetAlgorithm);
}

/**
 * Asks the provider for the raw signature an OpenPGP signature packet holds: of the digest for
 * RSA (PKCS#1 v1.5) and ECDSA (r‖s), of the digest as the message for EdDSA.
 */
async function rawOpenPgpSignature(
  provider: Provider,
  key: KeyInfo,
  algorithm: PublicKeyAlgorithmId,
  hash: OpenPgpHash,
  digest: Uint8Array,
): Promise<Uint8Array> {
  switch (algorithm) {
    case PUBLIC_KEY_ALGORITHM.rsa:
      return (await provider.sign({ key: key.id, digest, hash, scheme: 'pkcs1v15' })).signature;
    case PUBLIC_KEY_ALGORITHM.ecdsa:
      return (
        await provider.sign({
          key: key.id,
          digest,
          hash,
          scheme: 'ecdsa',
          signatureEncoding: 'p1363',
        })
      ).signature;
    case PUBLIC_KEY_ALGORITHM.eddsaLegacy:
    case PUBLIC_KEY_ALGORITHM.ed25519:
      return (await provider.sign({ key: key.id, data: digest, scheme: 'eddsa' })).signature;
  }
}

async function signRaw(provider: Provider, key: KeyInfo, flags: Flags, input: InputName) {
  const scheme = schemeFor(key, flags.optionalChoice('scheme', SIGN_SCHEMES));
  const hash = flags.choice('hash', HASH_ALGORITHMS, 'sha256');
  const encoding = flags.optionalChoice('encoding', ENCODINGS);
  if (encoding !== undefined && scheme !== 'ecdsa') {
    throw new CliUsageError('--encoding applies to ECDSA signatures only');
  }
  if (scheme === 'eddsa') {
    if (flags.value('hash') !== undefined) {
      throw new CliUsageError('pure EdDSA hashes the message itself: --hash does not apply');
    }
    const data = await eddsaInput(input);
    return (await provider.sign({ key: key.id, data, scheme })).signature;
  }
  const digest = await digestOf(input, hash);
  return (
    await provider.sign({
      key: key.id,
      digest,
      hash,
      scheme,
      ...(encoding === undefined ? {} : { signatureEncoding: encoding }),
    })
  ).signature;
}

async function signOpenPgp(provider: Provider, key: KeyInfo, flags: Flags, input: InputName) {
  const requested = flags.optionalChoice('scheme', SIGN_SCHEMES);
  if (requested !== undefined && requested !== defaultSignScheme(key.algorithm)) {
    throw new CliUsageError(
      `OpenPGP signatures by ${formatAlgorithm(key.algorithm)} keys use ${defaultSignScheme(key.algorithm) ?? 'no scheme'}`,
    );
  }
  if (flags.value('encoding') !== undefined) {
    throw new CliUsageError('--encoding applies to raw ECDSA signatures only');
  }
  const hash = openPgpHash(flags.choice('hash', HASH_ALGORITHMS, 'sha256'));
  const fingerprint = openPgpFingerprintOf(key);
  const algorithm = await openPgpAlgorithmOf(provider, key, fingerprint);
  const frame = signatureFrame({ algorithm, hash, fingerprint, created: new Date() });
  const digest = await digestOf(input, hash, frame.hashSuffix);
  const raw = await rawOpenPgpSignature(provider, key, algorithm, hash, digest);
  const packet = signaturePacket({ frame, algorithm, digest, fingerprint, raw });
  return flags.has('binary') ? packet : armor('SIGNATURE', packet);
}

/**
 * `keyroute sign`: hashes the input while streaming it (never loading it whole) and has the
 * target sign the digest; `--format openpgp` wraps the signature into a detached OpenPGP v4
 * signature (armored unless `--binary`) that `gpg --verify` accepts.
 */
export const signCommand: Command = {
  name: 'sign',
  synopsis:
    'sign --key REF [--in FILE|-] [--out FILE|-] [--hash sha256] [--scheme pkcs1v15|pss|ecdsa|eddsa] ' +
    '[--encoding p1363|der] [--format raw|openpgp] [--base64] [--binary] [target]',
  flags: {
    values: [...TARGET_FLAGS, 'key', 'in', 'out', 'hash', 'scheme', 'encoding', 'format'],
    switches: ['base64', 'binary'],
  },
  async run(flags) {
    const reference = flags.required('key');
    const format = flags.choice('format', FORMATS, 'raw');
    if (flags.has('binary') && format !== 'openpgp') {
      throw new CliUsageError('--binary applies to --format openpgp (raw signatures are binary)');
    }
    if (flags.has('base64') && format !== 'raw') {
      throw new CliUsageError('--base64 applies to --format raw (OpenPGP signatures are armored)');
    }
    const input = inputOf(flags.value('in'));
    return withTarget(flags, async (provider) => {
      const key = await resolveKey(provider, reference);
      const signature =
        format === 'raw'
          ? await signRaw(provider, key, flags, input)
          : await signOpenPgp(provider, key, flags, input);
      const base64 = flags.has('base64');
      await writeOutput(
        flags.value('out'),
        base64
          ? new TextEncoder().encode(`${Buffer.from(signature).toString('base64')}\n`)
          : signature,
        format === 'raw' ? !base64 : flags.has('binary'),
      );
      return EXIT.ok;
    });
  },
};
