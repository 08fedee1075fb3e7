// The conformance suite must be able to fail: each test here breaks one thing on purpose and
// asserts that the check meant to catch it throws, naming what broke.
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProviderCapabilities } from '../../src/contract/capabilities.js';
import type { KeyInfo } from '../../src/contract/keys.js';
import type { Provider } from '../../src/contract/provider.js';
import { checkAbortInFlight, checkAlreadyAborted } from '../../src/testing/abort-checks.js';
import { createSuiteContext, type SuiteContext } from '../../src/testing/context.js';
import { checkRsaDecrypt } from '../../src/testing/decrypt-checks.js';
import { checkUnknownKey, checkUnsupported } from '../../src/testing/error-checks.js';
import { checkDispose } from '../../src/testing/lifecycle-checks.js';
import { checkRawSignatures, tamper } from '../../src/testing/sign-checks.js';
import {
  capabilityProblems,
  checkKeyInfo,
  checkKeyList,
  ConformanceError,
  coverageProblems,
  createMemoryProvider,
  generateMemoryKeys,
  verifyWithNode,
  type MemoryKeySpec,
} from '../../src/testing/index.js';
import { ProviderError } from '../../src/contract/errors.js';

let specs: MemoryKeySpec[];
let good: KeyInfo;

beforeAll(async () => {
  specs = await generateMemoryKeys();
  const keys = await createMemoryProvider({ keys: specs }).listKeys();
  const rsa = keys.find((key) => key.id === 'rsa-2048');
  if (rsa === undefined) throw new Error('generateMemoryKeys made no rsa-2048 key');
  good = rsa;
});

/** A memory provider with some of its methods replaced by broken ones. */
function broken(overrides: Partial<Provider>): Provider {
  const base = createMemoryProvider({ keys: specs, latencyMs: 2 });
  return {
    id: base.id,
    kind: base.kind,
    capabilities: () => base.capabilities(),
    listKeys: (options) => base.listKeys(options),
    listCertificates: (options) => base.listCertificates(options),
    getKey: (reference, options) => base.getKey(reference, options),
    sign: (request, options) => base.sign(request, options),
    verify: (request, options) => base.verify(request, options),
    decrypt: (request, options) => base.decrypt(request, options),
    encrypt: (request, options) => base.encrypt(request, options),
    [Symbol.asyncDispose]: () => base[Symbol.asyncDispose](),
    ...overrides,
  };
}

async function contextOf(provider: Provider): Promise<SuiteContext> {
  return createSuiteContext(provider, {});
}

describe('key checks', () => {
  const memory = { id: 'memory', kind: 'memory' };

  it('accept a well-formed key', () => {
    expect(() => {
      checkKeyInfo(good, memory);
    }).not.toThrow();
  });

  it('catch a wrong spkiSha256', () => {
    const bad = { ...good, aliases: { ...good.aliases, spkiSha256: '00'.repeat(32) } };
    expect(() => {
      checkKeyInfo(bad, memory);
    }).toThrow(/aliases\.spkiSha256 is "0{64}", expected the lower-case hex SHA-256/);
  });

  it('catch an algorithm node:crypto disagrees with', () => {
    const bad: KeyInfo = { ...good, algorithm: { kind: 'rsa', bits: 3072 } };
    expect(() => {
      checkKeyInfo(bad, memory);
    }).toThrow(/algorithm is RSA-3072, but node:crypto reads RSA-2048/);
  });

  it('catch a public key that is not SPKI', () => {
    const bad = { ...good, publicKey: good.publicKey.slice(1) };
    expect(() => {
      checkKeyInfo(bad, memory);
    }).toThrow(/does not parse as DER SPKI/);
  });

  it('catch a lower-case keygrip, a foreign provider id and an impossible usage', () => {
    const x25519 = generateKeyPairSync('x25519').publicKey;
    const bad: KeyInfo = {
      ...good,
      provider: 'other',
      aliases: { ...good.aliases, keygrip: 'ab'.repeat(20) },
      usages: ['sign'],
      algorithm: { kind: 'x25519' },
      publicKey: new Uint8Array(x25519.export({ format: 'der', type: 'spki' })),
    };
    const error = (() => {
      try {
        checkKeyInfo(bad, memory);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConformanceError);
    expect((error as ConformanceError).problems.join('\n')).toMatch(
      /provider is "other"[\s\S]*keygrip[\s\S]*cannot sign/,
    );
  });

  it('catch duplicate ids in a listing', () => {
    expect(() => {
      checkKeyList([good, good], memory);
    }).toThrow(/listed more than once/);
  });
});

describe('capability checks', () => {
  it('catch a scheme claimed for keys it does not apply to, and a key no capability covers', () => {
    const capabilities: ProviderCapabilities = {
      sign: [{ scheme: 'pss', algorithms: ['ec'], hashes: [], inputs: ['data'], formats: ['raw'] }],
      decrypt: [],
      encrypt: [],
      verifyFormats: [],
      certificates: false,
    };
    expect(capabilityProblems(capabilities).join('\n')).toMatch(
      /sign\[0\] \(pss\): algorithms has ec[\s\S]*sign\[0\] \(pss\): hashes is empty/,
    );
    expect(coverageProblems(capabilities, [good])).toEqual([
      'key "rsa-2048" has usage sign but no sign capability lists rsa',
      'key "rsa-2048" has usage decrypt but no decrypt capability lists rsa',
    ]);
  });
});

describe('operation checks against broken providers', () => {
  it('verifyWithNode rejects a tampered signature', async () => {
    const provider = createMemoryProvider({ keys: specs });
    const data = new Uint8Array(64);
    const { signature } = await provider.sign({ key: 'ec-p256', data, hash: 'sha256' });
    const parameters = {
      publicKey: (await provider.getKey('ec-p256')).publicKey,
      scheme: 'ecdsa',
    } as const;
    expect(verifyWithNode(parameters, data, signature)).toBe(true);
    expect(verifyWithNode(parameters, data, tamper(signature))).toBe(false);
  });

  it('raw signature check catches a provider that returns bad signatures', async () => {
    const base = createMemoryProvider({ keys: specs });
    const provider = broken({
      sign: async (request, options) => {
        const result = await base.sign(request, options);
        return { ...result, signature: tamper(result.signature) };
      },
    });
    await expect(checkRawSignatures(await contextOf(provider))).rejects.toThrow(
      /key "rsa-2048" pkcs1v15 sha256 data: node:crypto rejects the signature/,
    );
  });

  it('abort checks catch a provider that checks the signal only before starting', async () => {
    const base = createMemoryProvider({ keys: specs, latencyMs: 2 });
    const provider = broken({
      sign: (request, options) => {
        options?.signal?.throwIfAborted();
        return base.sign(request);
      },
    });
    const context = await contextOf(provider);
    await expect(checkAlreadyAborted(context)).resolves.toBeUndefined();
    await expect(checkAbortInFlight(context)).rejects.toThrow(/sign .* aborted in flight resolved/);
  });

  it('abort checks catch a provider that ignores the signal', async () => {
    const base = createMemoryProvider({ keys: specs });
    const provider = broken({ listKeys: () => base.listKeys() });
    await expect(checkAlreadyAborted(await contextOf(provider))).rejects.toThrow(
      /listKeys with an aborted signal resolved/,
    );
  });

  it('error checks catch a wrong code for an unknown key', async () => {
    const provider = broken({
      getKey: () => Promise.reject(new ProviderError('INTERNAL', 'boom')),
    });
    await expect(checkUnknownKey(await contextOf(provider))).rejects.toThrow(
      /getKey\("keyroute-conformance-no-such-key"\): got ProviderError INTERNAL/,
    );
  });

  it('unsupported check catches a provider that does more than it claims', async () => {
    const base = createMemoryProvider({ keys: specs });
    const claims = base.capabilities();
    const provider = broken({
      capabilities: () => ({ ...claims, sign: claims.sign.filter((c) => c.scheme !== 'pss') }),
    });
    await expect(checkUnsupported(await contextOf(provider))).rejects.toThrow(
      /sign\(pss sha256 data\), not claimed, with key "rsa-2048": resolved/,
    );
  });

  it('decrypt check catches a provider that claims what it cannot do', async () => {
    const base = createMemoryProvider({ keys: specs });
    const claims = base.capabilities();
    const provider = broken({
      capabilities: () => ({
        ...claims,
        decrypt: [...claims.decrypt, { scheme: 'rsa-pkcs1v15', algorithms: ['rsa'] }],
      }),
    });
    await expect(checkRsaDecrypt(await contextOf(provider))).rejects.toThrow(
      /key "rsa-2048" rsa-pkcs1v15: decrypt rejected with ProviderError UNSUPPORTED/,
    );
  });

  it('dispose check catches a provider that keeps working after dispose', async () => {
    const create = () =>
      Promise.resolve({ provider: broken({ [Symbol.asyncDispose]: () => Promise.resolve() }) });
    await expect(checkDispose(create)).rejects.toThrow(/listKeys after dispose: resolved/);
  });
});
