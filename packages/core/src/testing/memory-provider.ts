import { createPublicKey, type KeyObject } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallOptions } from '../contract/call-options.js';
import type { ProviderCapabilities } from '../contract/capabilities.js';
import { ProviderError } from '../contract/errors.js';
import type { CertificateInfo, KeyInfo, KeyUsage } from '../contract/keys.js';
import type { Provider } from '../contract/provider.js';
import type {
  DecryptRequest,
  DecryptResult,
  EncryptRequest,
  EncryptResult,
  KeyReference,
  SignRequest,
  SignResult,
  VerifyRequest,
  VerifyResult,
} from '../contract/requests.js';
import { describePublicKey, publicKeyAliases } from '../identity/index.js';
import { findKey } from '../keys/find-key.js';
import {
  decryptWithPrivateKey,
  encryptToPublicKey,
  resolveSignParameters,
  signWithPrivateKey,
  verifySignature,
} from '../software/index.js';
import { raceAbort, throwIfAborted } from '../util/abort.js';
import { MEMORY_CAPABILITIES } from './memory-capabilities.js';
import { defaultUsages, type MemoryKeySpec } from './memory-keys.js';

export { generateMemoryKeys, type MemoryKeySpec } from './memory-keys.js';

/** Options of {@link createMemoryProvider}. */
export interface MemoryProviderOptions {
  /** The provider's id (default `memory`). */
  readonly id?: string;
  /** The keys it holds. */
  readonly keys: readonly MemoryKeySpec[];
  /** Artificial delay of every call in milliseconds, so abort-in-flight tests are meaningful. */
  readonly latencyMs?: number;
}

interface MemoryKey {
  readonly info: KeyInfo;
  readonly privateKey: KeyObject;
}

function toMemoryKey(spec: MemoryKeySpec, provider: string): MemoryKey {
  if (spec.privateKey.type !== 'private') {
    throw new ProviderError('INVALID_INPUT', `memory key "${spec.id}" needs a private KeyObject`, {
      provider,
    });
  }
  const publicKey = new Uint8Array(
    createPublicKey(spec.privateKey).export({ format: 'der', type: 'spki' }),
  );
  const algorithm = describePublicKey(publicKey);
  const info: KeyInfo = {
    id: spec.id,
    provider,
    ...(spec.label === undefined ? {} : { label: spec.label }),
    algorithm,
    usages: [...(spec.usages ?? defaultUsages(algorithm))],
    hasPrivateKey: true,
    publicKey,
    aliases: publicKeyAliases(publicKey),
  };
  return { info, privateKey: spec.privateKey };
}

/** The reference provider: keys in memory, every operation through core's software helpers. */
class MemoryProvider implements Provider {
  readonly id: string;
  readonly kind = 'memory';
  readonly #keys: readonly MemoryKey[];
  readonly #infos: readonly KeyInfo[];
  readonly #latencyMs: number;
  #disposed = false;

  constructor(options: MemoryProviderOptions) {
    this.id = options.id ?? 'memory';
    this.#keys = options.keys.map((spec) => toMemoryKey(spec, this.id));
    this.#infos = this.#keys.map((key) => key.info);
    this.#latencyMs = options.latencyMs ?? 0;
    const ids = new Set(this.#infos.map((info) => info.id));
    if (ids.size !== this.#infos.length) {
      throw new ProviderError(
        'INVALID_INPUT',
        `memory provider "${this.id}": key ids must be unique`,
        {
          provider: this.id,
        },
      );
    }
  }

  capabilities(): ProviderCapabilities {
    return MEMORY_CAPABILITIES;
  }

  listKeys(options?: CallOptions): Promise<readonly KeyInfo[]> {
    return this.#call(options, () => this.#infos);
  }

  listCertificates(options?: CallOptions): Promise<readonly CertificateInfo[]> {
    return this.#call(options, () => []);
  }

  getKey(reference: KeyReference, options?: CallOptions): Promise<KeyInfo> {
    return this.#call(options, () => this.#find(reference).info);
  }

  sign(request: SignRequest, options?: CallOptions): Promise<SignResult> {
    return this.#call(options, async () => {
      const key = this.#private(request.key, 'sign');
      const format = request.format ?? 'raw';
      if (format !== 'raw') throw this.#unsupported(`${format} signatures; it makes raw ones only`);
      const { scheme, hash } = resolveSignParameters(key.info.algorithm, request);
      const signature = await signWithPrivateKey(
        key.privateKey,
        key.info.algorithm,
        request,
        options,
      );
      return {
        signature,
        key: this.#ref(key.info),
        scheme,
        ...(hash === undefined ? {} : { hash }),
        format,
      };
    });
  }

  verify(request: VerifyRequest, options?: CallOptions): Promise<VerifyResult> {
    return this.#call(options, async () => {
      const { info } = this.#find(request.key);
      const format = request.format ?? 'raw';
      if (format !== 'raw') throw this.#unsupported(`verifying ${format} signatures`);
      const valid = await verifySignature(info.publicKey, request, options);
      return { valid, key: this.#ref(info) };
    });
  }

  decrypt(request: DecryptRequest, options?: CallOptions): Promise<DecryptResult> {
    return this.#call(options, async () => {
      const key = this.#private(request.key, 'decrypt');
      const result = await decryptWithPrivateKey(key.privateKey, request, options);
      return { ...result, key: this.#ref(key.info) };
    });
  }

  encrypt(request: EncryptRequest, options?: CallOptions): Promise<EncryptResult> {
    return this.#call(options, async () => {
      const { info } = this.#find(request.key);
      const result = await encryptToPublicKey(info.publicKey, request, options);
      return { ...result, key: this.#ref(info) };
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.#disposed = true;
    return Promise.resolve();
  }

  /**
   * Runs `work` after the artificial latency: rejects with `signal.reason` when the signal is or
   * becomes aborted, and with `UNAVAILABLE` once the provider is disposed.
   */
  async #call<T>(options: CallOptions | undefined, work: () => Promise<T> | T): Promise<T> {
    const signal = options?.signal;
    throwIfAborted(signal);
    this.#assertOpen();
    const delayed = async (): Promise<T> => {
      if (this.#latencyMs > 0) await sleep(this.#latencyMs);
      throwIfAborted(signal);
      this.#assertOpen();
      return work();
    };
    return raceAbort(delayed(), signal);
  }

  #assertOpen(): void {
    if (this.#disposed) {
      throw new ProviderError(
        'UNAVAILABLE',
        `memory provider "${this.id}" is disposed; create a new one`,
        {
          provider: this.id,
        },
      );
    }
  }

  #find(reference: KeyReference): MemoryKey {
    const info = findKey(this.#infos, reference, this.id);
    const key = this.#keys.find((candidate) => candidate.info === info);
    if (key === undefined)
      throw new ProviderError('INTERNAL', `key "${info.id}" lost its private key`);
    return key;
  }

  #private(reference: KeyReference, usage: KeyUsage): MemoryKey {
    const key = this.#find(reference);
    if (!key.info.usages.includes(usage)) {
      throw this.#unsupported(
        `${usage} with key "${key.info.id}" (its usages: ${key.info.usages.join(', ')})`,
        key.info.id,
      );
    }
    return key;
  }

  #unsupported(what: string, key?: string): ProviderError {
    return new ProviderError(
      'UNSUPPORTED',
      `memory provider "${this.id}" does not support ${what}`,
      {
        provider: this.id,
        ...(key === undefined ? {} : { key }),
      },
    );
  }

  #ref(info: KeyInfo): Pick<KeyInfo, 'id' | 'provider'> {
    return { id: info.id, provider: info.provider };
  }
}

/**
 * Creates the reference provider (kind `memory`): it holds the given private keys in memory and
 * signs, verifies, decrypts and encrypts with core's software helpers. Its capabilities are
 * exactly what those helpers do: PKCS #1 v1.5, PSS and ECDSA over data or digests with every
 * hash, EdDSA over data, RSA-OAEP (sha1/sha256/sha384/sha512) and ECDH; no RSA PKCS #1 v1.5
 * decryption, no OpenPGP or CMS, no certificates.
 *
 * Errors: `KEY_NOT_FOUND`/`INVALID_INPUT` from `findKey`; `UNSUPPORTED` for what the key or the
 * capabilities rule out; `INVALID_INPUT` for malformed requests; `UNAVAILABLE` after dispose.
 * An aborted signal rejects with `signal.reason`, also while the artificial latency runs.
 *
 * @throws ProviderError `INVALID_INPUT` when a key is not a private key of a contract algorithm
 *   or two keys share an id.
 */
export function createMemoryProvider(options: MemoryProviderOptions): Provider {
  return new MemoryProvider(options);
}
