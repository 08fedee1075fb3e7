import { createHash } from 'node:crypto';
import {
  ProviderError,
  resolveSignParameters,
  type EcCurve,
  type HashAlgorithm,
  type SignRequest,
  type SignResult,
} from '@keyroute/core';
import { gpgDetachSign, gpgsmSign } from '../gnupg/index.js';
import { EC_FIELD_BYTES } from '../sexp/curves.js';
import { decodeSignatureSexp } from '../sexp/index.js';
import type { AgentKey } from './agent-key.js';
import { homedirOption, type ProviderContext } from './context.js';
import { keyOperationError } from './key-operation-error.js';
import type { OnStop } from './deadline.js';
import { dropOnStop, withSelectedKey } from './selected-key.js';
import { passphraseForTool, passphraseInquirer, type PassphraseState } from './passphrase.js';

/** Hashes gpg-agent 2.2 takes in `SETHASH --hash=<name>` (libgcrypt names), as the contract spells them. */
export const AGENT_HASHES = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;

/** The `SETHASH` algorithm of each hash length the agent accepts. */
const HASH_BY_LENGTH: Readonly<Record<number, HashAlgorithm>> = {
  32: 'sha256',
  48: 'sha384',
  64: 'sha512',
};

/** Bytes of each curve's group order (equal to the field size for these curves). */
const EC_ORDER_BYTES = EC_FIELD_BYTES;

/**
 * gpg-agent 2.2 refuses an ECDSA hash shorter than the curve's order (`INV_LENGTH`, agent
 * `do_encode_dsa`). ECDSA uses a shorter digest as the integer it is (FIPS 186-4 §6.4), so the
 * same digest left-padded with zero bytes to a hash length the agent accepts is the same integer
 * and yields a signature that verifies over the original digest. Where no hash length is long
 * enough (P-521), the digest is passed unchanged and the agent decides.
 */
function widenEcdsaDigest(
  digest: Uint8Array,
  hashName: HashAlgorithm,
  curve: EcCurve,
): { hashName: HashAlgorithm; value: Uint8Array } {
  const wanted = EC_ORDER_BYTES[curve];
  if (digest.length >= wanted) return { hashName, value: digest };
  const length = [32, 48, 64].find((candidate) => candidate >= wanted);
  const name = length === undefined ? undefined : HASH_BY_LENGTH[length];
  if (length === undefined || name === undefined) return { hashName, value: digest };
  const value = new Uint8Array(length);
  value.set(digest, length - digest.length);
  return { hashName: name, value };
}

/** Largest message the agent can sign with pure EdDSA (SETHASH takes at most a SHA-512 length). */
export const EDDSA_MAX_DATA_LENGTH = 64;

function unsupported(context: ProviderContext, message: string, key: string): ProviderError {
  return new ProviderError('UNSUPPORTED', message, { provider: context.options.id, key });
}

function isAgentHash(hash: HashAlgorithm): boolean {
  return (AGENT_HASHES as readonly string[]).includes(hash);
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('hex')
    .toUpperCase();
}

/**
 * Signs with a key the agent holds. Raw signatures go through `SIGKEY`/`SETHASH`/`PKSIGN`;
 * `openpgp` through `gpg --detach-sign`, `cms` through `gpgsm --sign`.
 *
 * @throws ProviderError `KEY_NOT_FOUND`, `UNSUPPORTED` (PSS, which agent 2.2 silently ignores;
 *   SHA-3; EdDSA over a digest or data whose length is not 32, 48 or 64 bytes; a format the
 *   key has no certificate for), `INVALID_INPUT`, `LOCKED`, `BAD_SECRET`, `UNAVAILABLE`.
 */
export async function signWithAgent(
  context: ProviderContext,
  request: SignRequest,
  signal: AbortSignal,
  onStop: OnStop = () => undefined,
): Promise<SignResult> {
  const key = await context.directory.find(request.key, signal);
  const parameters = resolveSignParameters(key.info.algorithm, request);
  const format: unknown = request.format ?? 'raw';
  const reference = request.key;
  if (parameters.scheme === 'pss') {
    throw unsupported(
      context,
      'gpg-agent 2.2 ignores --pss and signs with PKCS #1 v1.5; use scheme pkcs1v15',
      reference,
    );
  }
  if (parameters.hash !== undefined && !isAgentHash(parameters.hash)) {
    throw unsupported(
      context,
      `gpg-agent cannot sign ${parameters.hash} digests; use one of ${AGENT_HASHES.join(', ')}`,
      reference,
    );
  }
  const keyRef = { id: key.info.id, provider: key.info.provider };
  if (format === 'openpgp' || format === 'cms') {
    if (parameters.input.kind !== 'data') {
      throw unsupported(
        context,
        `${format} signatures need the whole data, not a digest`,
        reference,
      );
    }
    const signature =
      format === 'openpgp'
        ? await signOpenPgp(context, key, request, parameters.input.data, signal)
        : await signCms(context, key, parameters.scheme, parameters.input.data, signal);
    return { signature, key: keyRef, scheme: parameters.scheme, format };
  }
  if (format !== 'raw') {
    throw unsupported(
      context,
      `unknown signature format ${String(format)}; use raw, openpgp or cms`,
      reference,
    );
  }

  let hashName: HashAlgorithm;
  let value: Uint8Array;
  if (parameters.scheme === 'eddsa') {
    if (parameters.input.kind !== 'data') {
      throw unsupported(context, 'EdDSA signs whole messages only; pass data', reference);
    }
    const { data } = parameters.input;
    if (data.length > EDDSA_MAX_DATA_LENGTH) {
      throw new ProviderError(
        'INVALID_INPUT',
        `gpg-agent signs EdDSA messages of at most ${EDDSA_MAX_DATA_LENGTH} bytes (maxDataLength); got ${data.length}: hash larger data yourself or use format openpgp`,
        { provider: context.options.id, key: reference },
      );
    }
    const asHash = HASH_BY_LENGTH[data.length];
    if (asHash === undefined) {
      throw unsupported(
        context,
        `gpg-agent 2.2 signs EdDSA messages of exactly 32, 48 or 64 bytes only (it passes them as a hash); got ${data.length}`,
        reference,
      );
    }
    hashName = asHash;
    value = data;
  } else {
    const hash = parameters.hash ?? 'sha256';
    hashName = hash;
    value =
      parameters.input.kind === 'digest'
        ? parameters.input.digest
        : new Uint8Array(createHash(hash).update(parameters.input.data).digest());
    if (key.info.algorithm.kind === 'ec') {
      ({ hashName, value } = widenEcdsaDigest(value, hashName, key.info.algorithm.curve));
    }
  }

  const state: PassphraseState = { supplied: false, rejected: false };
  let sexp: Uint8Array;
  try {
    sexp = await context.pool.use(
      (connection) =>
        withSelectedKey(connection, key.keygrip, signal, async () => {
          const exchange = async (commandSignal: AbortSignal | undefined): Promise<Uint8Array> => {
            const options = commandSignal === undefined ? {} : { signal: commandSignal };
            // Sequential awaits: after a failed SETHASH, PKSIGN would sign the previous hash.
            await connection.transact('SETHASH', [`--hash=${hashName}`, toHex(value)], options);
            const signed = await connection.transact('PKSIGN', undefined, {
              onInquire: passphraseInquirer(context, key, state),
              ...options,
            });
            return signed.data;
          };
          // A protected key may INQUIRE PASSPHRASE: the signal must reach the inquiry (CAN).
          if (key.protected) return exchange(signal);
          // Hot path: no abort listener per command (each listener on a fresh AbortSignal costs
          // measurable CPU per signature in Node 20); a stopped call drops the connection.
          return dropOnStop(connection, onStop, () => exchange(undefined));
        }),
      signal,
    );
  } catch (error) {
    throw keyOperationError(context, error, 'PKSIGN', key, reference, state);
  }
  const signature = decodeSignatureSexp(
    sexp,
    key.info.algorithm,
    parameters.scheme === 'ecdsa' ? parameters.signatureEncoding : undefined,
  );
  return {
    signature,
    key: keyRef,
    scheme: parameters.scheme,
    ...(parameters.scheme === 'eddsa' || parameters.hash === undefined
      ? {}
      : { hash: parameters.hash }),
    format: 'raw',
  };
}

async function signOpenPgp(
  context: ProviderContext,
  key: AgentKey,
  request: SignRequest,
  data: Uint8Array,
  signal: AbortSignal,
): Promise<Uint8Array> {
  if (key.openpgpFingerprint === undefined) {
    throw unsupported(
      context,
      `key ${key.info.id} is not bound by an OpenPGP certificate in the keyring, so gpg cannot sign with it`,
      request.key,
    );
  }
  const mode = request.openpgp?.mode ?? 'detached';
  if (mode !== 'detached') {
    throw unsupported(
      context,
      `OpenPGP ${mode} signatures are not supported; use detached`,
      request.key,
    );
  }
  const passphrase = await passphraseForTool(context, key, signal);
  return gpgDetachSign({
    ...homedirOption(context),
    // "!" forces this exact (sub)key instead of gpg's choice of signing subkey.
    signer: `${key.openpgpFingerprint}!`,
    data,
    armor: request.openpgp?.armor ?? true,
    ...(passphrase === undefined ? {} : { passphrase }),
    signal,
  });
}

async function signCms(
  context: ProviderContext,
  key: AgentKey,
  scheme: string,
  data: Uint8Array,
  signal: AbortSignal,
): Promise<Uint8Array> {
  if (scheme !== 'pkcs1v15') {
    throw unsupported(
      context,
      `CMS signatures are made with RSA PKCS #1 v1.5 keys only`,
      key.info.id,
    );
  }
  if (key.x509Fingerprint === undefined) {
    throw unsupported(
      context,
      `key ${key.info.id} is not bound by an X.509 certificate in gpgsm's keybox, so gpgsm cannot sign with it`,
      key.info.id,
    );
  }
  return gpgsmSign({ ...homedirOption(context), signer: key.x509Fingerprint, data, signal });
}
