import {
  HASH_ALGORITHMS,
  SIGN_SCHEMES,
  type DecryptScheme,
  type EncryptScheme,
} from '../contract/algorithms.js';
import type { KeyInfo } from '../contract/keys.js';
import type { SignRequest } from '../contract/requests.js';
import type { SuiteContext } from './context.js';
import { garbageRequest } from './decrypt-checks.js';
import { randomInput } from './node-crypto.js';
import { Problems } from './problems.js';
import {
  CIPHER_SCHEME_KINDS,
  cipherCapabilityFor,
  keysFor,
  SIGN_SCHEME_KINDS,
  signCapabilitiesFor,
} from './schemes.js';

/** A reference no provider holds (a plain id, so it cannot be read as an alias). */
export const UNKNOWN_KEY = 'keyroute-conformance-no-such-key';

/**
 * `getKey`, `sign`, `verify`, `decrypt` and `encrypt` with a key no provider holds reject with
 * `KEY_NOT_FOUND` (for decrypt/encrypt with a scheme the provider claims, when it claims one).
 *
 * @throws ConformanceError naming every call that answered otherwise.
 */
export async function checkUnknownKey(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  const { provider, capabilities } = context;
  const data = new Uint8Array(32);
  const missing = ['KEY_NOT_FOUND'] as const;
  await problems.expectCode(
    `getKey("${UNKNOWN_KEY}")`,
    () => provider.getKey(UNKNOWN_KEY),
    missing,
  );
  const spki = `spki-sha256:${'ab'.repeat(32)}`;
  await problems.expectCode(`getKey("${spki}")`, () => provider.getKey(spki), missing);
  await problems.expectCode(
    'sign with an unknown key',
    () => provider.sign({ key: UNKNOWN_KEY, data }),
    missing,
  );
  await problems.expectCode(
    'verify with an unknown key',
    () => provider.verify({ key: UNKNOWN_KEY, data, signature: new Uint8Array(64) }),
    missing,
  );
  const decryptScheme: DecryptScheme = capabilities.decrypt[0]?.scheme ?? 'rsa-oaep';
  const stand = { id: UNKNOWN_KEY, algorithm: { kind: 'rsa', bits: 2048 } } as KeyInfo;
  await problems.expectCode(
    `decrypt(${decryptScheme}) with an unknown key`,
    () => provider.decrypt(garbageRequest(stand, decryptScheme)),
    capabilities.decrypt.length > 0 ? missing : ['KEY_NOT_FOUND', 'UNSUPPORTED'],
  );
  const encryptScheme: EncryptScheme = capabilities.encrypt[0]?.scheme ?? 'rsa-oaep';
  await problems.expectCode(
    `encrypt(${encryptScheme}) to an unknown key`,
    () =>
      provider.encrypt(
        encryptScheme === 'ecdh'
          ? { key: UNKNOWN_KEY, scheme: encryptScheme }
          : { key: UNKNOWN_KEY, scheme: encryptScheme, plaintext: data },
      ),
    capabilities.encrypt.length > 0 ? missing : ['KEY_NOT_FOUND', 'UNSUPPORTED'],
  );
  problems.throwIfAny('unknown keys must be KEY_NOT_FOUND');
}

/** A sign scheme that does not fit the key, and a decrypt scheme that does not either. */
function misfits(key: KeyInfo): { sign: SignRequest; decrypt: DecryptScheme } {
  const data = new Uint8Array(32);
  switch (key.algorithm.kind) {
    case 'rsa':
      return { sign: { key: key.id, data, scheme: 'eddsa' }, decrypt: 'ecdh' };
    case 'ec':
      return { sign: { key: key.id, data, scheme: 'pss' }, decrypt: 'rsa-oaep' };
    case 'ed25519':
    case 'ed448':
      return { sign: { key: key.id, data, scheme: 'ecdsa' }, decrypt: 'ecdh' };
    case 'x25519':
    case 'x448':
      return { sign: { key: key.id, data }, decrypt: 'rsa-oaep' };
  }
}

/**
 * What the key or the capabilities rule out is `UNSUPPORTED`: a scheme that does not fit the key
 * (EdDSA with RSA, RSA-OAEP with EC, signing with X25519), and for keys that may sign or
 * decrypt, every scheme, input, ECDSA encoding or hash that no capability claims for the key.
 *
 * @throws ConformanceError naming every call that answered otherwise.
 */
export async function checkUnsupported(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  const { provider } = context;
  const unsupported = ['UNSUPPORTED'] as const;
  for (const key of context.keys.filter((candidate) => candidate.hasPrivateKey)) {
    const misfit = misfits(key);
    const scheme = misfit.sign.scheme ?? 'its default scheme';
    await problems.expectCode(
      `sign with key "${key.id}" and ${scheme}`,
      () => provider.sign(misfit.sign),
      unsupported,
    );
    await problems.expectCode(
      `decrypt(${misfit.decrypt}) with key "${key.id}"`,
      () => provider.decrypt(garbageRequest(key, misfit.decrypt)),
      unsupported,
    );
  }
  for (const key of keysFor(context.keys, 'decrypt')) {
    for (const scheme of ['rsa-oaep', 'rsa-pkcs1v15', 'ecdh', 'openpgp'] as const) {
      const fits = CIPHER_SCHEME_KINDS[scheme].includes(key.algorithm.kind);
      if (!fits || cipherCapabilityFor(context.capabilities.decrypt, key, scheme)) continue;
      await problems.expectCode(
        `decrypt(${scheme}), which is not claimed for ${key.algorithm.kind}, with key "${key.id}"`,
        () => provider.decrypt(garbageRequest(key, scheme)),
        unsupported,
      );
    }
  }
  for (const request of unclaimedSignRequests(context)) {
    const what = [
      request.scheme,
      request.hash,
      request.digest ? 'digest' : 'data',
      request.signatureEncoding,
    ];
    await problems.expectCode(
      `sign(${what.filter(Boolean).join(' ')}), not claimed, with key "${request.key}"`,
      () => provider.sign(request),
      unsupported,
    );
  }
  problems.throwIfAny('what is not supported must be UNSUPPORTED');
}

/** Raw sign requests for a scheme, input, hash or encoding no capability claims for the key. */
export function unclaimedSignRequests(context: SuiteContext): SignRequest[] {
  const requests: SignRequest[] = [];
  const seen = new Set<string>();
  for (const key of keysFor(context.keys, 'sign')) {
    const kind = key.algorithm.kind;
    for (const scheme of SIGN_SCHEMES) {
      if (seen.has(`${kind} ${scheme}`) || !SIGN_SCHEME_KINDS[scheme].includes(kind)) continue;
      seen.add(`${kind} ${scheme}`);
      const claimed = signCapabilitiesFor(context.capabilities, key, 'raw', scheme);
      const base = { key: key.id, scheme };
      const hashed = scheme === 'eddsa' ? {} : { hash: 'sha256' as const };
      if (claimed.length === 0) {
        if (
          !context.capabilities.sign.some((c) => c.scheme === scheme && c.algorithms.includes(kind))
        ) {
          requests.push({ ...base, ...hashed, data: randomInput(32) });
        }
        continue;
      }
      if (!claimed.some((capability) => capability.inputs.includes('digest'))) {
        requests.push({ ...base, hash: 'sha256', digest: randomInput(32) });
      }
      if (
        scheme === 'ecdsa' &&
        !claimed.some((capability) => capability.signatureEncodings?.includes('der'))
      ) {
        requests.push({ ...base, hash: 'sha256', data: randomInput(32), signatureEncoding: 'der' });
      }
      const hashes = new Set(claimed.flatMap((capability) => capability.hashes));
      if (scheme === 'eddsa') continue;
      for (const hash of HASH_ALGORITHMS) {
        if (!hashes.has(hash)) requests.push({ ...base, hash, data: randomInput(32) });
      }
    }
  }
  return requests;
}
