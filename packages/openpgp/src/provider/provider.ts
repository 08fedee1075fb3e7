import {
  ProviderError,
  runWithDeadline,
  type CallDeadline,
  type CallOptions,
  type CertificateInfo,
  type DecryptRequest,
  type DecryptResult,
  type EncryptRequest,
  type EncryptResult,
  type KeyInfo,
  type KeyReference,
  type Provider,
  type SignRequest,
  type SignResult,
  type VerifyRequest,
  type VerifyResult,
} from '@keyroute/core';
import { generateOpenPgpKey, type GenerateKeyOptions } from '../keys/generate-key.js';
import { Keystore } from '../keystore/keystore.js';
import { decryptWithOpenPgpKey } from '../operations/decrypt.js';
import { encryptToOpenPgpKey } from '../operations/encrypt.js';
import type { OpenPgpContext } from '../operations/context.js';
import { signWithOpenPgpKey } from '../operations/sign.js';
import { verifyWithOpenPgpKey } from '../operations/verify.js';
import { Staging } from '../staging/staging.js';
import { openPgpCapabilities } from './capabilities.js';
import { certificatesOf } from './certificates.js';
import { KeyDirectory } from './key-directory.js';
import type { OpenPgpProviderOptions } from './options.js';
import { UnlockedKeys } from './unlock.js';

const DEFAULTS = {
  id: 'openpgp',
  unlockTtlMs: 300_000,
  timeoutMs: 30_000,
  maxDecryptedBytes: 64 * 2 ** 20,
  refreshMs: 1_000,
} as const;

/** A provider over an OpenPGP keystore folder, with its keystore and staging area. */
export interface OpenPgpProvider extends Provider {
  readonly kind: 'openpgp';
  /** The keystore folder (atomic, multi-process safe writes). */
  readonly keystore: Keystore;
  /** Staged import: stage, validate, accept, reject, flush. */
  readonly staging: Staging;
  /** Forgets the cached listing and unlocked keys (after changes made outside this provider). */
  reload(): void;
  /** Generates a key pair into the keystore; the listing shows it at once. */
  generateKey(options: GenerateKeyOptions): Promise<KeyInfo[]>;
}

function integer(value: number | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ProviderError(
      'INVALID_INPUT',
      `openpgp option ${name} must be an integer ≥ ${min}; got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Creates a provider over OpenPGP keys kept as armored files in `dir` (see {@link Keystore}),
 * through openpgp.js: no daemon, no native code. Protected secret keys are unlocked with
 * passphrases from `secrets` and kept unlocked for `unlockTtlMs`. Every call takes `{ signal }`
 * and is limited to `timeoutMs`.
 *
 * @throws ProviderError `INVALID_INPUT` for bad options; `UNAVAILABLE` when the folder cannot
 *   be created or read.
 */
export async function createOpenPgpProvider(
  options: OpenPgpProviderOptions,
): Promise<OpenPgpProvider> {
  const id = options.id ?? DEFAULTS.id;
  if (typeof options.dir !== 'string' || options.dir === '') {
    throw new ProviderError(
      'INVALID_INPUT',
      'openpgp option dir (the keystore folder) is required',
    );
  }
  const timeoutMs = integer(options.timeoutMs, 'timeoutMs', DEFAULTS.timeoutMs, 1);
  const unlockTtlMs = integer(options.unlockTtlMs, 'unlockTtlMs', DEFAULTS.unlockTtlMs, 0);
  const maxDecryptedBytes = integer(
    options.maxDecryptedBytes,
    'maxDecryptedBytes',
    DEFAULTS.maxDecryptedBytes,
    1,
  );
  const keystore = await Keystore.open(options.dir, { provider: id });
  const staging = new Staging(
    keystore,
    options.policy === undefined ? {} : { policy: options.policy },
  );
  const directory = new KeyDirectory({ keystore, provider: id, refreshMs: DEFAULTS.refreshMs });
  const unlocked = new UnlockedKeys({ provider: id, secrets: options.secrets, ttlMs: unlockTtlMs });
  const capabilities = openPgpCapabilities();
  const context: OpenPgpContext = {
    provider: id,
    keystore,
    directory,
    unlocked,
    capabilities,
    maxDecryptedBytes,
    policy: options.policy,
  };
  let disposed = false;

  const call = <T>(
    what: string,
    callOptions: CallOptions | undefined,
    work: (deadline: CallDeadline) => Promise<T>,
  ): Promise<T> => {
    const signal = callOptions?.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (disposed) {
      return Promise.reject(
        new ProviderError('UNAVAILABLE', `provider "${id}" is disposed`, { provider: id }),
      );
    }
    return runWithDeadline(
      signal,
      timeoutMs,
      () =>
        new ProviderError(
          'TIMEOUT',
          `openpgp: ${what} did not finish within ${timeoutMs} ms (timeoutMs)`,
          { provider: id },
        ),
      work,
    );
  };

  return {
    id,
    kind: 'openpgp',
    keystore,
    staging,
    reload(): void {
      directory.invalidate();
      unlocked.clear();
    },
    async generateKey(generate: GenerateKeyOptions): Promise<KeyInfo[]> {
      const entry = await generateOpenPgpKey(keystore, generate);
      directory.invalidate();
      return (await directory.records())
        .filter((record) => record.primaryFingerprint === entry.fingerprint)
        .map((record) => record.info);
    },
    capabilities: () => capabilities,
    listKeys(callOptions?: CallOptions): Promise<readonly KeyInfo[]> {
      return call('listKeys', callOptions, async () =>
        (await directory.records()).map((record) => record.info),
      );
    },
    listCertificates(callOptions?: CallOptions): Promise<readonly CertificateInfo[]> {
      return call('listCertificates', callOptions, async () =>
        certificatesOf(await directory.records(), id),
      );
    },
    getKey(reference: KeyReference, callOptions?: CallOptions): Promise<KeyInfo> {
      return call('getKey', callOptions, async () => (await directory.find(reference)).info);
    },
    sign(request: SignRequest, callOptions?: CallOptions): Promise<SignResult> {
      return call('sign', callOptions, ({ signal }) =>
        signWithOpenPgpKey(context, request, signal),
      );
    },
    verify(request: VerifyRequest, callOptions?: CallOptions): Promise<VerifyResult> {
      return call('verify', callOptions, (deadline) =>
        verifyWithOpenPgpKey(context, request, deadline),
      );
    },
    decrypt(request: DecryptRequest, callOptions?: CallOptions): Promise<DecryptResult> {
      return call('decrypt', callOptions, ({ signal }) =>
        decryptWithOpenPgpKey(context, request, signal),
      );
    },
    encrypt(request: EncryptRequest, callOptions?: CallOptions): Promise<EncryptResult> {
      return call('encrypt', callOptions, ({ signal }) =>
        encryptToOpenPgpKey(context, request, signal),
      );
    },
    [Symbol.asyncDispose](): Promise<void> {
      disposed = true;
      unlocked.clear();
      return Promise.resolve();
    },
  };
}
