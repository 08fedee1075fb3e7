import { constants, diffieHellman, publicEncrypt } from 'node:crypto';
import type { CallOptions } from '../contract/call-options.js';
import type { SignResult } from '../contract/requests.js';
import type { SuiteContext } from './context.js';
import { ephemeralFor } from './decrypt-checks.js';
import {
  exportSpki,
  randomInput,
  sameBytes,
  spkiKeyObject,
  verifyWithNode,
} from './node-crypto.js';
import { describeError, Problems, settle } from './problems.js';
import { cipherCapabilityFor, keysFor } from './schemes.js';
import { messageFor, signRequestFor } from './sign-cases.js';

/** A call the abort checks start, and how to tell that it worked when not aborted. */
interface Probe {
  readonly name: string;
  readonly run: (options: CallOptions) => Promise<unknown>;
  /** Problem with a successful result, or undefined when it is right. */
  readonly check: (value: unknown) => string | undefined;
}

/** A reason object no provider could produce itself: `toBe` proves it is passed through. */
function customReason(what: string): object {
  return { reason: `keyroute conformance: ${what}` };
}

/** The calls to abort: one listKeys, one sign and one decrypt where the provider can. */
function probes(context: SuiteContext): Probe[] {
  const { provider } = context;
  const list: Probe[] = [
    {
      name: 'listKeys',
      run: (options) => provider.listKeys(options),
      check: (value) => (Array.isArray(value) && value.length > 0 ? undefined : 'listed no keys'),
    },
  ];
  const [signCase] = context.signCases;
  if (signCase !== undefined) {
    const data = randomInput(signCase.dataLength);
    const parameters = { publicKey: signCase.key.publicKey, ...signCase };
    list.push({
      name: `sign (${signCase.name})`,
      run: (options) => provider.sign(signRequestFor(signCase, data), options),
      check: (value) => {
        const { signature } = value as SignResult;
        const valid = verifyWithNode(parameters, messageFor(signCase, data), signature);
        return valid ? undefined : 'node:crypto rejects the signature';
      },
    });
  }
  const decrypt = decryptProbe(context);
  if (decrypt !== undefined) list.push(decrypt);
  return list;
}

/** An RSA-OAEP or ECDH decryption whose right answer node:crypto knows. */
function decryptProbe(context: SuiteContext): Probe | undefined {
  const { provider, capabilities } = context;
  for (const key of keysFor(context.keys, 'decrypt')) {
    if (
      key.algorithm.kind === 'rsa' &&
      cipherCapabilityFor(capabilities.decrypt, key, 'rsa-oaep')
    ) {
      const plaintext = randomInput(32);
      const padding = constants.RSA_PKCS1_OAEP_PADDING;
      const ciphertext = new Uint8Array(
        publicEncrypt(
          { key: spkiKeyObject(key.publicKey), padding, oaepHash: 'sha256' },
          plaintext,
        ),
      );
      return {
        name: `decrypt (key "${key.id}" rsa-oaep)`,
        run: (options) =>
          provider.decrypt(
            { key: key.id, scheme: 'rsa-oaep', ciphertext, hash: 'sha256' },
            options,
          ),
        check: (value) =>
          sameBytes((value as { plaintext: Uint8Array }).plaintext, plaintext)
            ? undefined
            : 'wrong plaintext',
      };
    }
    if (key.algorithm.kind !== 'rsa' && cipherCapabilityFor(capabilities.decrypt, key, 'ecdh')) {
      const ephemeral = ephemeralFor(key);
      const expected = diffieHellman({
        privateKey: ephemeral.privateKey,
        publicKey: spkiKeyObject(key.publicKey),
      });
      const peerPublicKey = exportSpki(ephemeral.publicKey);
      return {
        name: `decrypt (key "${key.id}" ecdh)`,
        run: (options) => provider.decrypt({ key: key.id, scheme: 'ecdh', peerPublicKey }, options),
        check: (value) =>
          sameBytes((value as { sharedSecret: Uint8Array }).sharedSecret, expected)
            ? undefined
            : 'wrong secret',
      };
    }
  }
  return undefined;
}

/**
 * An already-aborted signal (with a custom reason object) makes every I/O method reject with
 * exactly that reason, before doing anything.
 *
 * @throws ConformanceError naming every call that settled otherwise.
 */
export async function checkAlreadyAborted(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  const { provider } = context;
  const reason = customReason('aborted before the call');
  const signal = AbortSignal.abort(reason);
  const key = context.keys[0]?.id ?? 'any';
  const data = new Uint8Array(32);
  const calls: readonly (readonly [string, () => Promise<unknown>])[] = [
    ['listKeys', () => provider.listKeys({ signal })],
    ['listCertificates', () => provider.listCertificates({ signal })],
    ['getKey', () => provider.getKey(key, { signal })],
    ['sign', () => provider.sign({ key, data }, { signal })],
    ['verify', () => provider.verify({ key, data, signature: data }, { signal })],
    ['decrypt', () => provider.decrypt({ key, scheme: 'rsa-oaep', ciphertext: data }, { signal })],
    ['encrypt', () => provider.encrypt({ key, scheme: 'rsa-oaep', plaintext: data }, { signal })],
    ...probes(context).map(
      (probe) => [`${probe.name} (a call that can succeed)`, () => probe.run({ signal })] as const,
    ),
  ];
  for (const [name, call] of calls) {
    const outcome = await settle(call);
    problems.check(
      outcome.rejected && outcome.error === reason,
      `${name} with an aborted signal ${outcome.rejected ? `rejected with ${describeError(outcome.error)}` : 'resolved'}, expected a rejection with signal.reason itself`,
    );
  }
  problems.throwIfAny('an aborted signal must reject with signal.reason');
}

/**
 * An abort right after a call started (listKeys, and a sign and a decrypt where claimed) rejects
 * it with exactly the reason; afterwards the same call without a signal still succeeds, so an
 * abort never leaves a connection or session unusable.
 *
 * @throws ConformanceError naming every call that settled otherwise.
 */
export async function checkAbortInFlight(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  for (const probe of probes(context)) {
    const controller = new AbortController();
    const reason = customReason(`aborted during ${probe.name}`);
    const pending = settle(() => probe.run({ signal: controller.signal }));
    controller.abort(reason);
    const outcome = await pending;
    problems.check(
      outcome.rejected && outcome.error === reason,
      `${probe.name} aborted in flight ${outcome.rejected ? `rejected with ${describeError(outcome.error)}` : 'resolved'}, expected a rejection with signal.reason itself (race the backend call against the signal)`,
    );
    const again = await settle(() => probe.run({}));
    const problem = again.rejected
      ? `rejected with ${describeError(again.error)}`
      : probe.check(again.value);
    problems.check(problem === undefined, `${probe.name} after an aborted one: ${problem ?? ''}`);
  }
  problems.throwIfAny('an abort in flight must reject with signal.reason');
}
