import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAbortInFlight, checkAlreadyAborted } from './abort-checks.js';
import { checkCapabilities } from './capability-checks.js';
import { checkCertificateList } from './certificate-checks.js';
import { createSuiteContext, type SuiteContext } from './context.js';
import { checkEcdh, checkRsaDecrypt } from './decrypt-checks.js';
import { checkUnknownKey, checkUnsupported } from './error-checks.js';
import { checkInvalidInput } from './invalid-input-checks.js';
import { checkSignFormats } from './format-checks.js';
import { checkKeyList } from './key-checks.js';
import { checkConcurrency, checkDispose } from './lifecycle-checks.js';
import { checkGetKey } from './lookup-checks.js';
import type { ConformanceOptions, ConformanceTarget } from './options.js';
import { checkEncryptRoundTrip } from './round-trip-checks.js';
import { checkProviderVerify, checkRawSignatures } from './sign-checks.js';

/**
 * Declares the provider conformance suite (vitest) for one provider over a real backend.
 *
 * One `beforeAll` creates the target with `options.create` and lists its keys; `afterAll`
 * disposes the provider and tears the backend down. The `it`s are the same for every provider;
 * each exercises what the provider's capabilities claim for the keys it lists (verifying every
 * signature and secret independently with node:crypto) and checks that what is not claimed is
 * refused with `UNSUPPORTED`. A failing `it` names every case that broke. The dispose test
 * creates a second target.
 */
export function describeProviderConformance(options: ConformanceOptions): void {
  describe(`provider conformance: ${options.name}`, () => {
    let target: ConformanceTarget | undefined;
    let context: SuiteContext | undefined;
    const suite = (): SuiteContext => {
      if (context === undefined)
        throw new Error('the target was not created: see the beforeAll error');
      return context;
    };

    beforeAll(async () => {
      target = await options.create();
      context = await createSuiteContext(target.provider, options);
    });

    afterAll(async () => {
      try {
        await target?.provider[Symbol.asyncDispose]();
      } finally {
        await target?.teardown?.();
      }
    });

    describe('listing', () => {
      it('listKeys lists at least one key, each well formed (provider id, unique id, SPKI that node:crypto parses, spkiSha256, algorithm, alias formats, usages)', async () => {
        const { provider } = suite();
        checkKeyList(await provider.listKeys(), provider);
      });
      it('listKeys lists the same keys again on a second call', async () => {
        const { provider, keys } = suite();
        const again = await provider.listKeys();
        expect(again.map((key) => key.id).sort()).toEqual(keys.map((key) => key.id).sort());
      });
      it('listCertificates returns well-formed certificates whose boundKeys include their own key', async () => {
        const { provider } = suite();
        checkCertificateList(await provider.listCertificates(), provider);
      });
      it('capabilities() are consistent, static, and cover every key that may sign or decrypt', () => {
        const { provider, keys } = suite();
        checkCapabilities(provider, keys);
      });
    });

    describe('getKey', () => {
      it('finds every key by its id and by each of its aliases, bare and prefixed', async () => {
        await checkGetKey(suite());
      });
    });

    describe('sign', () => {
      it('raw signatures verify with node:crypto for every claimed scheme, input (data, digest), hash and ECDSA encoding', async () => {
        await checkRawSignatures(suite());
      });
      it('verify() accepts each signature and answers valid: false for a tampered one', async () => {
        await checkProviderVerify(suite());
      });
      it('OpenPGP and CMS signatures, where claimed, pass the verifyFormat verifiers; unclaimed formats are UNSUPPORTED', async () => {
        await checkSignFormats(suite());
      });
    });

    describe('decrypt', () => {
      it('RSA: ciphertexts from node:crypto publicEncrypt (OAEP with each claimed hash, with a label) decrypt to the plaintext', async () => {
        await checkRsaDecrypt(suite());
      });
      it('ECDH: the secret agreed with an ephemeral node:crypto key (SPKI and raw point) equals diffieHellman', async () => {
        await checkEcdh(suite());
      });
      it('encrypt() then decrypt() through the provider gives back the plaintext or the agreed secret', async () => {
        await checkEncryptRoundTrip(suite());
      });
    });

    describe('errors', () => {
      it('an unknown key is KEY_NOT_FOUND for getKey, sign, verify, decrypt and encrypt', async () => {
        await checkUnknownKey(suite());
      });
      it('a scheme, input, hash or encoding that the key or the capabilities rule out is UNSUPPORTED', async () => {
        await checkUnsupported(suite());
      });
      it('a malformed request (digest length, data over maxDataLength, noise ciphertext, foreign peer key) is INVALID_INPUT', async () => {
        await checkInvalidInput(suite());
      });
    });

    describe('abort', () => {
      it('an already-aborted signal makes every call reject with exactly signal.reason', async () => {
        await checkAlreadyAborted(suite());
      });
      it('an abort while a call is in flight rejects it with signal.reason, and the provider keeps working', async () => {
        await checkAbortInFlight(suite());
      });
    });

    describe('concurrency', () => {
      it(`${String(options.concurrency ?? 24)} concurrent signs mixed with listKeys all succeed and verify with node:crypto`, async () => {
        await checkConcurrency(suite());
      });
    });

    describe('dispose', () => {
      it('on a fresh target, asyncDispose twice is harmless and every call afterwards is UNAVAILABLE', async () => {
        await checkDispose(options.create);
      });
    });
  });
}
