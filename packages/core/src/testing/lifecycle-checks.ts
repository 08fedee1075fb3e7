import type { Provider } from '../contract/provider.js';
import type { SuiteContext } from './context.js';
import { signOnce } from './context.js';
import { garbageRequest } from './decrypt-checks.js';
import { verifyWithNode } from './node-crypto.js';
import type { ConformanceTarget } from './options.js';
import { describeError, Problems, settle } from './problems.js';
import { messageFor } from './sign-cases.js';

/**
 * `concurrency` signs in parallel over the claimed sign cases, interleaved with `listKeys`:
 * every call succeeds, every signature verifies with node:crypto, every listing is complete.
 * Without sign cases, parallel `listKeys` and `getKey` calls are checked.
 *
 * @throws ConformanceError naming every failing call.
 */
export async function checkConcurrency(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  const { provider, signCases } = context;
  const ids = context.keys.map((key) => key.id).sort();
  const listing = async (index: number): Promise<void> => {
    const outcome = await settle(async () =>
      index % 2 === 0 ? provider.listKeys() : [await provider.getKey(ids[0] ?? '')],
    );
    if (outcome.rejected)
      problems.check(
        false,
        `call ${index} (listing) rejected with ${describeError(outcome.error)}`,
      );
    else if (index % 2 === 0) {
      const listed = outcome.value.map((key) => key.id).sort();
      problems.check(
        JSON.stringify(listed) === JSON.stringify(ids),
        `call ${index}: listKeys listed ${listed.join(', ')}`,
      );
    } else
      problems.check(outcome.value[0]?.id === ids[0], `call ${index}: getKey found another key`);
  };
  const signing = async (index: number): Promise<void> => {
    const signCase = signCases[index % signCases.length];
    if (signCase === undefined) return listing(index);
    const outcome = await signOnce(provider, signCase);
    if (outcome.result === undefined) {
      problems.check(
        false,
        `call ${index} (${signCase.name}) rejected with ${outcome.error ?? 'nothing'}`,
      );
      return;
    }
    const parameters = { publicKey: signCase.key.publicKey, ...signCase };
    const valid = verifyWithNode(
      parameters,
      messageFor(signCase, outcome.data),
      outcome.result.signature,
    );
    problems.check(valid, `call ${index} (${signCase.name}): node:crypto rejects the signature`);
  };
  // `concurrency` signs, and after every fourth one a listing while they are all in flight.
  const calls: Promise<void>[] = [];
  for (let index = 0; index < context.concurrency; index += 1) {
    calls.push(signing(index));
    if (index % 4 === 3) calls.push(listing(calls.length));
  }
  await Promise.all(calls);
  problems.throwIfAny(`${context.concurrency} concurrent signs with listings`);
}

/**
 * On a fresh target: `[Symbol.asyncDispose]` twice is harmless, and every I/O method called
 * afterwards rejects with a `ProviderError` `UNAVAILABLE`. The target is torn down at the end.
 *
 * @throws ConformanceError naming every call that settled otherwise.
 */
export async function checkDispose(create: () => Promise<ConformanceTarget>): Promise<void> {
  const target = await create();
  try {
    await checkDisposed(target.provider);
  } finally {
    await target.teardown?.();
  }
}

async function checkDisposed(provider: Provider): Promise<void> {
  const problems = new Problems();
  const keys = await provider.listKeys();
  const key = keys.find((candidate) => candidate.hasPrivateKey) ?? keys[0];
  const id = key?.id ?? 'any';
  for (const round of ['first', 'second']) {
    const outcome = await settle(() => provider[Symbol.asyncDispose]());
    problems.check(
      !outcome.rejected,
      `the ${round} asyncDispose rejected with ${outcome.rejected ? describeError(outcome.error) : ''}`,
    );
  }
  const data = new Uint8Array(32);
  const decrypt =
    key === undefined
      ? ({ key: id, scheme: 'rsa-oaep', ciphertext: data } as const)
      : garbageRequest(key, 'rsa-oaep');
  const calls: readonly (readonly [string, () => Promise<unknown>])[] = [
    ['listKeys', () => provider.listKeys()],
    ['listCertificates', () => provider.listCertificates()],
    ['getKey', () => provider.getKey(id)],
    ['sign', () => provider.sign({ key: id, data })],
    ['verify', () => provider.verify({ key: id, data, signature: data })],
    ['decrypt', () => provider.decrypt(decrypt)],
    ['encrypt', () => provider.encrypt({ key: id, scheme: 'rsa-oaep', plaintext: data })],
  ];
  for (const [name, call] of calls) {
    await problems.expectCode(`${name} after dispose`, call, ['UNAVAILABLE']);
  }
  problems.throwIfAny('a disposed provider must reject every call with UNAVAILABLE');
}
