import {
  HASH_ALGORITHMS,
  SIGN_SCHEMES,
  type KeyInfo,
  type Provider,
  type VerifyResult,
} from '@keyroute/core';
import type { Flags } from './args.js';
import type { Command } from './command.js';
import { CliError, CliUsageError, EXIT } from './errors.js';
import { inputOf, readSmallFile, writeText, type InputName } from './io.js';
import {
  PUBLIC_KEY_ALGORITHM,
  dearmor,
  isArmored,
  leftPad,
  parseSignature,
  type ParsedSignature,
} from './openpgp-packets.js';
import {
  ENCODINGS,
  FORMATS,
  digestOf,
  eddsaInput,
  openPgpFingerprintOf,
  schemeFor,
} from './sign.js';
import { TARGET_FLAGS, resolveKey, withTarget } from './target.js';

/** Largest signature file read. */
const MAX_SIGNATURE_BYTES = 2 ** 20;

/** Bytes of each of r and s for the curves the contract knows. */
const CURVE_BYTES: Readonly<Record<string, number>> = {
  'P-256': 32,
  'P-384': 48,
  'P-521': 66,
  secp256k1: 32,
  brainpoolP256r1: 32,
  brainpoolP384r1: 48,
  brainpoolP512r1: 64,
};

type Outcome = Pick<VerifyResult, 'valid' | 'reason'>;

async function verifyRaw(
  provider: Provider,
  key: KeyInfo,
  flags: Flags,
  input: InputName,
  signature: Uint8Array,
): Promise<Outcome> {
  const scheme = schemeFor(key, flags.optionalChoice('scheme', SIGN_SCHEMES));
  const hash = flags.choice('hash', HASH_ALGORITHMS, 'sha256');
  const encoding = flags.optionalChoice('encoding', ENCODINGS);
  if (encoding !== undefined && scheme !== 'ecdsa') {
    throw new CliUsageError('--encoding applies to ECDSA signatures only');
  }
  if (scheme === 'eddsa') {
    const data = await eddsaInput(input);
    return provider.verify({ key: key.id, data, signature, scheme });
  }
  const digest = await digestOf(input, hash);
  return provider.verify({
    key: key.id,
    digest,
    hash,
    scheme,
    signature,
    ...(encoding === undefined ? {} : { signatureEncoding: encoding }),
  });
}

/** The raw signature in an OpenPGP signature's fields, as the contract's verify takes it. */
function rawOf(parsed: ParsedSignature, key: KeyInfo): Uint8Array | undefined {
  const [first = new Uint8Array(), second = new Uint8Array()] = parsed.fields;
  const algorithm = key.algorithm;
  switch (parsed.algorithm) {
    case PUBLIC_KEY_ALGORITHM.rsa:
      return algorithm.kind === 'rsa' ? leftPad(first, Math.ceil(algorithm.bits / 8)) : undefined;
    case PUBLIC_KEY_ALGORITHM.ecdsa: {
      if (algorithm.kind !== 'ec') return undefined;
      const size = CURVE_BYTES[algorithm.curve] ?? Math.max(first.length, second.length);
      return new Uint8Array(Buffer.concat([leftPad(first, size), leftPad(second, size)]));
    }
    case PUBLIC_KEY_ALGORITHM.eddsaLegacy:
      return algorithm.kind === 'ed25519'
        ? new Uint8Array(Buffer.concat([leftPad(first, 32), leftPad(second, 32)]))
        : undefined;
    case PUBLIC_KEY_ALGORITHM.ed25519:
      return algorithm.kind === 'ed25519' ? first : undefined;
    default:
      return undefined;
  }
}

/**
 * Checks a detached OpenPGP v4 signature of a binary document: hashes the input while it
 * streams (with the signature's hashed part), then has the target check the raw signature
 * against the key. Checks the issuer named in the signature is the key; nothing else of
 * OpenPGP's policy (expiry, revocation, key flags: see `keyroute keys`).
 */
async function verifyOpenPgp(
  provider: Provider,
  key: KeyInfo,
  input: InputName,
  signatureFile: Uint8Array,
): Promise<Outcome> {
  const parsed = parseSignature(isArmored(signatureFile) ? dearmor(signatureFile) : signatureFile);
  if (parsed.type !== 0) {
    throw new CliError(
      `only signatures of binary documents (type 0x00) are checked here; this one is type 0x${parsed.type.toString(16).padStart(2, '0')}`,
    );
  }
  const hash = parsed.hash;
  if (hash === undefined) {
    throw new CliError(
      `the signature uses OpenPGP hash algorithm ${parsed.hashId}, not checked here`,
    );
  }
  const fingerprint = openPgpFingerprintOf(key);
  if (parsed.issuerFingerprint !== undefined && parsed.issuerFingerprint !== fingerprint) {
    return {
      valid: false,
      reason: `the signature was made by ${parsed.issuerFingerprint}, not by ${fingerprint}`,
    };
  }
  if (parsed.issuerKeyId !== undefined && !fingerprint.endsWith(parsed.issuerKeyId)) {
    return {
      valid: false,
      reason: `the signature was made by key ID ${parsed.issuerKeyId}, not by ${fingerprint}`,
    };
  }
  const raw = rawOf(parsed, key);
  if (raw === undefined) {
    return {
      valid: false,
      reason: `the signature's algorithm (${parsed.algorithm}) does not fit the key`,
    };
  }
  const digest = await digestOf(input, hash, parsed.hashSuffix);
  if (digest[0] !== parsed.left16[0] || digest[1] !== parsed.left16[1]) {
    return { valid: false, reason: 'the data does not match the signature (its hash differs)' };
  }
  if (parsed.algorithm === PUBLIC_KEY_ALGORITHM.rsa) {
    return provider.verify({ key: key.id, digest, hash, scheme: 'pkcs1v15', signature: raw });
  }
  if (parsed.algorithm === PUBLIC_KEY_ALGORITHM.ecdsa) {
    return provider.verify({ key: key.id, digest, hash, scheme: 'ecdsa', signature: raw });
  }
  return provider.verify({ key: key.id, data: digest, scheme: 'eddsa', signature: raw });
}

/**
 * `keyroute verify`: exit 0 when the signature is valid, 1 when it is not (with the reason on
 * stderr). Raw signatures by default; `--format openpgp` (chosen by itself for an armored
 * signature file) for detached OpenPGP signatures.
 */
export const verifyCommand: Command = {
  name: 'verify',
  synopsis:
    'verify --key REF --signature FILE [--in FILE|-] [--hash sha256] [--scheme …] ' +
    '[--encoding p1363|der] [--format raw|openpgp] [--base64] [target]',
  flags: {
    values: [...TARGET_FLAGS, 'key', 'in', 'signature', 'hash', 'scheme', 'encoding', 'format'],
    switches: ['base64'],
  },
  async run(flags) {
    const reference = flags.required('key');
    const signaturePath = flags.required('signature');
    const input = inputOf(flags.value('in'));
    if (signaturePath === '-' && input === '-') {
      throw new CliUsageError('the input and the signature cannot both come from stdin');
    }
    let signature: Uint8Array = await readSmallFile(
      signaturePath,
      MAX_SIGNATURE_BYTES,
      'a signature',
    );
    if (flags.has('base64')) {
      signature = new Uint8Array(Buffer.from(Buffer.from(signature).toString('latin1'), 'base64'));
    }
    const format =
      flags.optionalChoice('format', FORMATS) ?? (isArmored(signature) ? 'openpgp' : 'raw');
    if (format === 'openpgp') {
      for (const name of ['scheme', 'hash', 'encoding']) {
        if (flags.value(name) !== undefined) {
          throw new CliUsageError(`--${name} does not apply to OpenPGP signatures: they name it`);
        }
      }
    }
    return withTarget(flags, async (provider) => {
      const key = await resolveKey(provider, reference);
      const outcome =
        format === 'raw'
          ? await verifyRaw(provider, key, flags, input, signature)
          : await verifyOpenPgp(provider, key, input, signature);
      if (!outcome.valid) {
        process.stderr.write(
          `keyroute verify: BAD signature for key "${key.id}": ${outcome.reason ?? 'it does not verify'}\n`,
        );
        return EXIT.badSignature;
      }
      await writeText(
        `good signature by key "${key.id}"${key.label === undefined ? '' : ` (${key.label})`}\n`,
      );
      return EXIT.ok;
    });
  },
};
