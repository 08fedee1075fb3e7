import { webcrypto } from 'node:crypto';
import {
  ProviderError,
  type CallOptions,
  type HashAlgorithm,
  type KeyAlgorithmKind,
  type KeyInfo,
  type KeyReference,
  type Provider,
  type SignRequest,
  type SignScheme,
} from '@keyroute/core';

/** WebCrypto hash names a remote key signs with. */
export type RemoteKeyHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/** The algorithm of the parameters to pass to `subtle.sign` (or to `@peculiar/x509`). */
export type RemoteSigningAlgorithm =
  | { readonly name: 'RSASSA-PKCS1-v1_5'; readonly hash: RemoteKeyHash }
  | { readonly name: 'RSA-PSS'; readonly hash: RemoteKeyHash; readonly saltLength: number }
  | { readonly name: 'ECDSA'; readonly hash: RemoteKeyHash }
  | { readonly name: 'Ed25519' }
  | { readonly name: 'Ed448' };

/** Options of {@link remoteKeyCrypto}. */
export interface RemoteKeyCryptoOptions {
  /** The WebCrypto algorithm of an RSA key: `RSASSA-PKCS1-v1_5` (default) or `RSA-PSS`. */
  readonly rsa?: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS';
  /**
   * The hash of RSA and ECDSA signatures. Default: SHA-256 for RSA; for ECDSA the hash that
   * matches the curve (P-256 → SHA-256, P-384 → SHA-384, P-521 → SHA-512). An RSA key is bound
   * to its hash (as in WebCrypto); an ECDSA signature takes the hash of each `sign` call.
   */
  readonly hash?: RemoteKeyHash;
  /** RSA-PSS salt length in bytes (default: the hash length). */
  readonly saltLength?: number;
  /** Cancels the key lookup and every signature made through the returned `crypto`. */
  readonly signal?: AbortSignal;
}

/** What {@link remoteKeyCrypto} returns. */
export interface RemoteKeyCrypto {
  /**
   * A `Crypto` whose `subtle.sign` signs with the provider when given {@link privateKey} (or any
   * other key made by {@link remoteKeyCrypto}); everything else is node's `webcrypto`.
   */
  readonly crypto: webcrypto.Crypto;
  /**
   * Stands for the private key in the provider: `type: 'private'`, `extractable: false`,
   * `usages: ['sign']`, the `algorithm` of {@link publicKey}. It is not a node `CryptoKey`:
   * only {@link crypto}'s `subtle.sign` takes it; other `subtle` methods reject it with an
   * `InvalidAccessError`.
   */
  readonly privateKey: webcrypto.CryptoKey;
  /** The public key, imported by node's WebCrypto from the key's SPKI (extractable, `verify`). */
  readonly publicKey: webcrypto.CryptoKey;
  /** `{ privateKey, publicKey }`, as `@peculiar/x509`'s `keys` parameters want it. */
  readonly keys: webcrypto.CryptoKeyPair;
  /** What to sign with: `@peculiar/x509`'s `signingAlgorithm`, or `subtle.sign`'s algorithm. */
  readonly signingAlgorithm: RemoteSigningAlgorithm;
  /** The key as the provider lists it. */
  readonly key: KeyInfo;
}

interface RemoteKeyState {
  readonly provider: Provider;
  readonly reference: KeyReference;
  /** The WebCrypto algorithm name the key is bound to. */
  readonly name: RemoteSigningAlgorithm['name'];
  /** The hash an RSA key is bound to. */
  readonly hash: HashAlgorithm | undefined;
  readonly callOptions: CallOptions;
}

/** Every remote private key made here, with what its signatures need. */
const remoteKeys = new WeakMap<object, RemoteKeyState>();

const HASHES: Readonly<Record<RemoteKeyHash, HashAlgorithm>> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

const HASH_LENGTHS: Readonly<Record<RemoteKeyHash, number>> = {
  'SHA-1': 20,
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
};

const CURVE_HASHES: Readonly<Record<string, RemoteKeyHash>> = {
  'P-256': 'SHA-256',
  'P-384': 'SHA-384',
  'P-521': 'SHA-512',
};

const SCHEMES: Readonly<Record<RemoteSigningAlgorithm['name'], SignScheme>> = {
  'RSASSA-PKCS1-v1_5': 'pkcs1v15',
  'RSA-PSS': 'pss',
  ECDSA: 'ecdsa',
  Ed25519: 'eddsa',
  Ed448: 'eddsa',
};

function isRemoteKey(value: unknown): boolean {
  return typeof value === 'object' && value !== null && remoteKeys.has(value);
}

/** A copy of `data` (WebCrypto copies its input when the call is made). */
function copyBytes(data: webcrypto.BufferSource): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()
    : new Uint8Array(data).slice();
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/** The `name` member of a WebCrypto algorithm identifier or dictionary. */
function nameOf(algorithm: unknown): string | undefined {
  if (typeof algorithm === 'string') return algorithm;
  if (typeof algorithm === 'object' && algorithm !== null && 'name' in algorithm) {
    const { name } = algorithm;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}

function member(algorithm: unknown, name: string): unknown {
  return typeof algorithm === 'object' && algorithm !== null
    ? (algorithm as Record<string, unknown>)[name]
    : undefined;
}

/** Normalises a WebCrypto hash (`'SHA-256'` or `{ name: 'SHA-256' }`, any case). */
function webHashOf(algorithm: unknown): RemoteKeyHash | undefined {
  const name = nameOf(algorithm)?.toUpperCase();
  return Object.keys(HASHES).find((hash) => hash === name) as RemoteKeyHash | undefined;
}

function domError(message: string, name: 'InvalidAccessError' | 'NotSupportedError'): Error {
  return new DOMException(message, name);
}

/** The provider's request for `subtle.sign(algorithm, key, data)`; throws on misuse. */
function signRequestOf(state: RemoteKeyState, algorithm: unknown, data: Uint8Array): SignRequest {
  const name = nameOf(algorithm);
  if (name === undefined) throw new TypeError('subtle.sign: the algorithm has no name');
  if (name.toUpperCase() !== state.name.toUpperCase()) {
    throw domError(
      `subtle.sign: key ${state.reference} is a ${state.name} key, not ${name}`,
      'InvalidAccessError',
    );
  }
  const key = state.reference;
  switch (state.name) {
    case 'RSASSA-PKCS1-v1_5':
      return {
        key,
        data,
        scheme: 'pkcs1v15',
        ...(state.hash === undefined ? {} : { hash: state.hash }),
      };
    case 'RSA-PSS': {
      const saltLength = member(algorithm, 'saltLength');
      if (typeof saltLength !== 'number' || !Number.isSafeInteger(saltLength) || saltLength < 0) {
        throw new TypeError('subtle.sign: RSA-PSS needs a non-negative integer saltLength');
      }
      return {
        key,
        data,
        scheme: 'pss',
        saltLength,
        ...(state.hash === undefined ? {} : { hash: state.hash }),
      };
    }
    case 'ECDSA': {
      const hash = webHashOf(member(algorithm, 'hash'));
      if (hash === undefined) {
        throw domError(
          'subtle.sign: ECDSA needs a hash of SHA-1, SHA-256, SHA-384 or SHA-512',
          'NotSupportedError',
        );
      }
      return { key, data, scheme: 'ecdsa', hash: HASHES[hash], signatureEncoding: 'p1363' };
    }
    case 'Ed25519':
    case 'Ed448': {
      const context = member(algorithm, 'context');
      if (context !== undefined && copyBytes(context as webcrypto.BufferSource).byteLength > 0) {
        throw domError('subtle.sign: Ed448 contexts are not supported', 'NotSupportedError');
      }
      return { key, data, scheme: 'eddsa' };
    }
  }
}

const native = webcrypto.subtle;

async function remoteSign(
  algorithm: Parameters<webcrypto.SubtleCrypto['sign']>[0],
  key: webcrypto.CryptoKey,
  data: webcrypto.BufferSource,
): Promise<ArrayBuffer> {
  const state = remoteKeys.get(key);
  if (state === undefined) return native.sign(algorithm, key, data);
  const request = signRequestOf(state, algorithm, copyBytes(data));
  const { signature } = await state.provider.sign(request, state.callOptions);
  return toArrayBuffer(signature);
}

type AnyMethod = (...args: unknown[]) => unknown;

/** Node's `subtle`, with `sign` going to the provider for remote keys. */
const remoteSubtle: webcrypto.SubtleCrypto = new Proxy(native, {
  get(target, property) {
    if (property === 'sign') return remoteSign;
    const value: unknown = Reflect.get(target, property, target);
    if (typeof value !== 'function') return value;
    const method = value as AnyMethod;
    // Node's methods check their receiver: call them on the real `subtle`.
    return (...args: unknown[]): unknown => {
      if (args.some(isRemoteKey)) {
        return Promise.reject(
          domError(
            `subtle.${String(property)}: a remote private key can only sign (it stays in its provider)`,
            'InvalidAccessError',
          ),
        );
      }
      return Reflect.apply(method, target, args);
    };
  },
});

/** Node's `webcrypto` with {@link remoteSubtle}; its methods are called on node's `webcrypto`. */
const remoteCrypto: webcrypto.Crypto = new Proxy(webcrypto, {
  get(target, property) {
    if (property === 'subtle') return remoteSubtle;
    const value: unknown = Reflect.get(target, property, target);
    return typeof value === 'function' ? (value as AnyMethod).bind(target) : value;
  },
});

function unsupported(key: KeyInfo, reference: string, why: string): ProviderError {
  return new ProviderError('UNSUPPORTED', `key ${reference} ${why}`, {
    provider: key.provider,
    key: reference,
  });
}

interface Binding {
  /** Parameters of `importKey` for the public key. */
  readonly importAlgorithm:
    webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm;
  readonly signingAlgorithm: RemoteSigningAlgorithm;
  readonly kind: KeyAlgorithmKind;
}

function bind(key: KeyInfo, reference: string, options: RemoteKeyCryptoOptions): Binding {
  const { algorithm } = key;
  switch (algorithm.kind) {
    case 'rsa': {
      const hash = options.hash ?? 'SHA-256';
      const name = options.rsa ?? 'RSASSA-PKCS1-v1_5';
      return {
        importAlgorithm: { name, hash },
        signingAlgorithm:
          name === 'RSA-PSS'
            ? { name, hash, saltLength: options.saltLength ?? HASH_LENGTHS[hash] }
            : { name, hash },
        kind: algorithm.kind,
      };
    }
    case 'ec': {
      const curveHash = CURVE_HASHES[algorithm.curve];
      if (curveHash === undefined) {
        throw unsupported(
          key,
          reference,
          `is on ${algorithm.curve}: WebCrypto has P-256, P-384 and P-521`,
        );
      }
      return {
        importAlgorithm: { name: 'ECDSA', namedCurve: algorithm.curve },
        signingAlgorithm: { name: 'ECDSA', hash: options.hash ?? curveHash },
        kind: algorithm.kind,
      };
    }
    case 'ed25519':
      return {
        importAlgorithm: { name: 'Ed25519' },
        signingAlgorithm: { name: 'Ed25519' },
        kind: algorithm.kind,
      };
    case 'ed448':
      return {
        importAlgorithm: { name: 'Ed448' },
        signingAlgorithm: { name: 'Ed448' },
        kind: algorithm.kind,
      };
    case 'x25519':
    case 'x448':
      throw unsupported(key, reference, `is an ${algorithm.kind} key: it cannot sign`);
  }
}

/**
 * Exposes a key that a provider holds (a PKCS#11 token, gpg-agent, an OpenPGP key file, a
 * gateway — any {@link Provider}) as a WebCrypto signing key pair, for WebCrypto consumers such
 * as `@peculiar/x509`:
 *
 * ```ts
 * const remote = await remoteKeyCrypto(provider, 'hsm:01');
 * const csr = await x509.Pkcs10CertificateRequestGenerator.create(
 *   { name: 'CN=example', keys: remote.keys, signingAlgorithm: remote.signingAlgorithm },
 *   remote.crypto,
 * );
 * ```
 *
 * `crypto.subtle.sign(algorithm, privateKey, data)` becomes `provider.sign` over `data`:
 * RSASSA-PKCS1-v1_5 → `pkcs1v15` and RSA-PSS → `pss` (with `saltLength`), both with the key's
 * hash; ECDSA → `ecdsa` with the call's hash and `signatureEncoding: 'p1363'` (WebCrypto's
 * `r‖s`); Ed25519/Ed448 → `eddsa` over the data. The whole data goes to the provider (X.509
 * and PKCS#10 structures are small); backends that limit `data` (gpg-agent's EdDSA: 64 bytes)
 * refuse larger inputs. Provider errors (`LOCKED`, `UNSUPPORTED`, …) reject `sign` as they are.
 *
 * @param keyRef Any reference the provider resolves; every signature names the key by it.
 * @throws ProviderError from `getKey` (`KEY_NOT_FOUND`, …); `UNSUPPORTED` for keys WebCrypto
 *   cannot represent (secp256k1, brainpool, X25519, X448), keys without a private half or
 *   `sign` usage, and schemes the provider's capabilities do not list for raw signatures of data.
 */
export async function remoteKeyCrypto(
  provider: Provider,
  keyRef: KeyReference,
  options: RemoteKeyCryptoOptions = {},
): Promise<RemoteKeyCrypto> {
  const callOptions: CallOptions = options.signal === undefined ? {} : { signal: options.signal };
  const key = await provider.getKey(keyRef, callOptions);
  if (!key.hasPrivateKey || !key.usages.includes('sign')) {
    throw unsupported(key, keyRef, 'cannot sign: the provider holds no private key for signing');
  }
  const binding = bind(key, keyRef, options);
  const { signingAlgorithm } = binding;
  const scheme = SCHEMES[signingAlgorithm.name];
  const signs = provider
    .capabilities()
    .sign.some(
      (capability) =>
        capability.scheme === scheme &&
        capability.algorithms.includes(binding.kind) &&
        capability.inputs.includes('data') &&
        capability.formats.includes('raw'),
    );
  if (!signs) {
    throw unsupported(
      key,
      keyRef,
      `cannot sign with ${signingAlgorithm.name}: provider ${provider.id} lists no raw ${scheme} signatures of data`,
    );
  }
  const publicKey = await native.importKey('spki', key.publicKey, binding.importAlgorithm, true, [
    'verify',
  ]);
  const state: RemoteKeyState = {
    provider,
    reference: keyRef,
    name: signingAlgorithm.name,
    hash:
      signingAlgorithm.name === 'RSASSA-PKCS1-v1_5' || signingAlgorithm.name === 'RSA-PSS'
        ? HASHES[signingAlgorithm.hash]
        : undefined,
    callOptions,
  };
  const privateKey: webcrypto.CryptoKey = {
    type: 'private',
    extractable: false,
    algorithm: { ...publicKey.algorithm },
    usages: ['sign'],
  };
  Object.defineProperty(privateKey, Symbol.toStringTag, { value: 'CryptoKey' });
  Object.freeze(privateKey);
  remoteKeys.set(privateKey, state);
  return {
    crypto: remoteCrypto,
    privateKey,
    publicKey,
    keys: { privateKey, publicKey },
    signingAlgorithm,
    key,
  };
}
