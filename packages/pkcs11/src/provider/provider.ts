import {
  ProviderError,
  runWithDeadline,
  type CallOptions,
  type CertificateInfo,
  type DecryptRequest,
  type DecryptResult,
  type EncryptRequest,
  type EncryptResult,
  type HashAlgorithm,
  type KeyAlgorithm,
  type KeyUsage,
  type KeyInfo,
  type KeyReference,
  type CallDeadline,
  type Provider,
  type ProviderCapabilities,
  type SignRequest,
  type SignResult,
  type VerifyRequest,
  type VerifyResult,
} from '@keyroute/core';
import { hasRawRsaDecrypt, pkcs11Capabilities } from '../mechanisms/capabilities.js';
import { readMechanisms } from '../mechanisms/read-mechanisms.js';
import { acquireModule, type LoadedModule } from '../module/module-registry.js';
import { resolveModuleName } from '../module/resolve-module.js';
import { resolveTokenKey, type OperationContext } from '../operations/context.js';
import { decryptOnToken } from '../operations/decrypt.js';
import { signOnToken } from '../operations/sign.js';
import { encryptToTokenKey, verifyWithTokenKey } from '../operations/software.js';
import { TokenBinding, type TokenStatus } from '../token/token-binding.js';
import type { TokenDetails } from '../token/token-details.js';
import { parsePkcs11Uri } from '../uri/parse.js';
import type { Pkcs11Uri } from '../uri/types.js';
import type { Pkcs11ProviderOptions } from './options.js';

const DEFAULTS = {
  id: 'pkcs11',
  poolSize: 8,
  timeoutMs: 30_000,
  rescanIntervalMs: 5_000,
  missRescanMs: 1_000,
  resetIntervalMs: 1_000,
} as const;

/** A provider over one PKCS#11 token, with what it found at start. */
export interface Pkcs11Provider extends Provider {
  readonly kind: 'pkcs11';
  /** The token as found at start (label, serial, slot, flags). */
  readonly token: Readonly<TokenDetails>;
  /** The module's `C_GetInfo` (manufacturer, description, version, path). */
  readonly module: LoadedModule['info'];
  /** Sessions, login and binding state now (makes no PKCS#11 call). */
  status(): TokenStatus;
}

function invalid(message: string): ProviderError {
  return new ProviderError('INVALID_INPUT', `pkcs11 option ${message}`);
}

function nonNegativeInteger(
  value: number | undefined,
  name: string,
  fallback: number,
  min = 0,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw invalid(`${name} must be an integer ≥ ${min}; got ${String(value)}`);
  }
  return value;
}

function tokenUri(options: Pkcs11ProviderOptions): Pkcs11Uri {
  const uri = parsePkcs11Uri(options.token ?? 'pkcs11:');
  if (uri.pinValue !== undefined || uri.pinSource !== undefined) {
    throw invalid(
      'token must not carry pin-value or pin-source: a PIN in a URI ends up in configs and logs; supply it with secrets (pin, pinEnv)',
    );
  }
  return uri;
}

function modulePath(options: Pkcs11ProviderOptions, uri: Pkcs11Uri): string {
  const path = options.module ?? uri.modulePath;
  if (path !== undefined && path !== '') return path;
  if (uri.moduleName !== undefined) return resolveModuleName(uri.moduleName);
  throw invalid('module is required: the absolute path of the PKCS#11 module (.so)');
}

function defaultOaepHashes(softHsm: boolean): readonly HashAlgorithm[] {
  // SoftHSM 2.6 answers CKR_ARGUMENTS_BAD to OAEP with any hash but SHA-1 (RECIPES.md).
  return softHsm ? ['sha1'] : ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'];
}

/**
 * Creates a provider over one token of a PKCS#11 module (pkcs11js). The module is loaded once
 * per process and initialised with `CKF_OS_LOCKING_OK`; the token is chosen by an RFC 7512 URI
 * and followed by identity (another slot, removal and re-insertion); the user logs in once per
 * token with the PIN from `secrets`; each operation gets a pooled session of its own; signs,
 * decryptions and derivations run as pkcs11js `*Async` calls on libuv's thread pool, so the
 * event loop keeps serving while the token works.
 *
 * Capabilities come from the token's mechanisms. Verify and encrypt are done in software from
 * the public key. Every call takes `{ signal }` and is limited to `timeoutMs` (`TIMEOUT`); a
 * token operation already running cannot be stopped, its session comes back when it ends.
 *
 * @throws ProviderError `INVALID_INPUT` for bad options or a URI naming several tokens;
 *   `UNAVAILABLE` when the module does not load or no token matches (the message lists those
 *   present).
 */
export function createPkcs11Provider(options: Pkcs11ProviderOptions): Promise<Pkcs11Provider> {
  try {
    return Promise.resolve(openPkcs11Provider(options));
  } catch (error) {
    // Whatever the start-up threw (a ProviderError) is passed on unchanged.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(error);
  }
}

function openPkcs11Provider(options: Pkcs11ProviderOptions): Pkcs11Provider {
  const id = options.id ?? DEFAULTS.id;
  const uri = tokenUri(options);
  const path = modulePath(options, uri);
  const poolSize = nonNegativeInteger(options.poolSize, 'poolSize', DEFAULTS.poolSize, 1);
  const timeoutMs = nonNegativeInteger(options.timeoutMs, 'timeoutMs', DEFAULTS.timeoutMs, 1);
  const rescanIntervalMs = nonNegativeInteger(
    options.rescanIntervalMs,
    'rescanIntervalMs',
    DEFAULTS.rescanIntervalMs,
  );
  const module = acquireModule(path);
  // Set once the token's mechanisms are read, before the first scan can run.
  const known: { capabilities?: ProviderCapabilities } = {};
  const usable = (usage: KeyUsage, algorithm: KeyAlgorithm): boolean => {
    const entries = usage === 'sign' ? known.capabilities?.sign : known.capabilities?.decrypt;
    return entries?.some((entry) => entry.algorithms.includes(algorithm.kind)) ?? false;
  };
  let binding: TokenBinding;
  try {
    binding = new TokenBinding({
      module,
      uri,
      provider: id,
      secrets: options.secrets,
      poolSize,
      rescanIntervalMs,
      missRescanMs: DEFAULTS.missRescanMs,
      resetIntervalMs: DEFAULTS.resetIntervalMs,
      usable,
    });
  } catch (error) {
    module.release();
    throw error;
  }
  const token = binding.token;
  const mechanisms = readMechanisms(module.pkcs11, token.slot);
  // Behind p11-kit-client the module says "PKCS#11 Kit"; the token still says SoftHSM.
  const softHsm = /softhsm/i.test(`${module.info.manufacturer} ${token.manufacturer}`);
  const rsaDecrypt = {
    oaepHashes: options.oaepHashes ?? defaultOaepHashes(softHsm),
    // SoftHSM 2.6 fails (CKR_GENERAL_ERROR) on OAEP with a label.
    oaepLabels: !softHsm,
    raw: hasRawRsaDecrypt(mechanisms),
  };
  const tokenCapabilities = pkcs11Capabilities(mechanisms, {
    oaepHashes: rsaDecrypt.oaepHashes,
    allowPkcs1v15Decrypt: options.allowPkcs1v15Decrypt ?? false,
  });
  known.capabilities = tokenCapabilities;
  const context: OperationContext = {
    provider: id,
    pkcs11: module.pkcs11,
    binding,
    capabilities: tokenCapabilities,
    allowPkcs1v15Decrypt: options.allowPkcs1v15Decrypt ?? false,
    rsaDecrypt,
  };
  let disposal: Promise<void> | undefined;

  const call = <T>(
    what: string,
    callOptions: CallOptions | undefined,
    work: (deadline: CallDeadline) => Promise<T>,
  ): Promise<T> => {
    const signal = callOptions?.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (disposal !== undefined) {
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
          `pkcs11: ${what} did not finish within ${timeoutMs} ms (timeoutMs)`,
          {
            provider: id,
          },
        ),
      work,
    );
  };

  const keyOf = async (reference: KeyReference, signal: AbortSignal): Promise<KeyInfo> =>
    (await resolveTokenKey(context, reference, signal)).info;

  return {
    id,
    kind: 'pkcs11',
    token,
    module: module.info,
    capabilities: () => tokenCapabilities,
    status: () => binding.status(),
    listKeys(callOptions?: CallOptions): Promise<readonly KeyInfo[]> {
      return call('listKeys', callOptions, async ({ signal }) =>
        (await binding.catalog(signal)).catalog.keys.map((key) => key.info),
      );
    },
    listCertificates(callOptions?: CallOptions): Promise<readonly CertificateInfo[]> {
      return call(
        'listCertificates',
        callOptions,
        async ({ signal }) => (await binding.catalog(signal)).catalog.certificates,
      );
    },
    getKey(reference: KeyReference, callOptions?: CallOptions): Promise<KeyInfo> {
      return call('getKey', callOptions, ({ signal }) => keyOf(reference, signal));
    },
    sign(request: SignRequest, callOptions?: CallOptions): Promise<SignResult> {
      return call('sign', callOptions, (deadline) => signOnToken(context, request, deadline));
    },
    verify(request: VerifyRequest, callOptions?: CallOptions): Promise<VerifyResult> {
      return call('verify', callOptions, ({ signal }) =>
        verifyWithTokenKey(context, request, signal),
      );
    },
    decrypt(request: DecryptRequest, callOptions?: CallOptions): Promise<DecryptResult> {
      return call('decrypt', callOptions, ({ signal }) => decryptOnToken(context, request, signal));
    },
    encrypt(request: EncryptRequest, callOptions?: CallOptions): Promise<EncryptResult> {
      return call('encrypt', callOptions, ({ signal }) =>
        encryptToTokenKey(context, request, signal),
      );
    },
    [Symbol.asyncDispose](): Promise<void> {
      disposal ??= binding.dispose().finally(() => {
        module.release();
      });
      return disposal;
    },
  };
}
