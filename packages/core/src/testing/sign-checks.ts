import type { SignResult } from '../contract/requests.js';
import type { SignOutcome, SuiteContext } from './context.js';
import { verifyWithNode } from './node-crypto.js';
import { describeError, Problems, settle } from './problems.js';
import { keysFor } from './schemes.js';
import { messageFor, signRequestFor, type SignCase } from './sign-cases.js';

/**
 * Problems of a `SignResult` for a case, before looking at the signature bytes: `key` must be
 * the listed key's id and provider.
 */
export function signResultProblems(signCase: SignCase, result: SignResult): string[] {
  const name = signCase.name;
  const problems: string[] = [];
  if (!(result.signature instanceof Uint8Array) || result.signature.length === 0) {
    problems.push(`${name}: signature is not a non-empty Uint8Array`);
  }
  if (result.key.id !== signCase.key.id || result.key.provider !== signCase.key.provider) {
    problems.push(`${name}: result.key is ${JSON.stringify(result.key)}`);
  }
  if (result.scheme !== signCase.scheme)
    problems.push(`${name}: result.scheme is ${result.scheme}`);
  if (result.format !== 'raw')
    problems.push(`${name}: result.format is ${result.format}, expected raw`);
  if (result.hash !== signCase.hash) {
    problems.push(
      `${name}: result.hash is ${String(result.hash)}, expected ${String(signCase.hash)}`,
    );
  }
  return problems;
}

/** Checks one outcome with node:crypto; returns whether the signature is usable further. */
function checkOutcome(problems: Problems, outcome: SignOutcome): boolean {
  const { signCase, data, result } = outcome;
  if (result === undefined) {
    problems.check(false, `${signCase.name}: sign rejected with ${outcome.error ?? 'nothing'}`);
    return false;
  }
  const resultProblems = signResultProblems(signCase, result);
  resultProblems.forEach((problem) => {
    problems.add(problem);
  });
  const valid = verifyWithNode(
    { publicKey: signCase.key.publicKey, ...signCase },
    messageFor(signCase, data),
    result.signature,
  );
  problems.check(valid, `${signCase.name}: node:crypto rejects the signature`);
  return valid && resultProblems.length === 0;
}

/** Problems of claims that the listed keys cannot exercise, or of a claim-free refusal. */
async function claimProblems(context: SuiteContext, problems: Problems): Promise<void> {
  const signers = keysFor(context.keys, 'sign');
  const raw = context.capabilities.sign.filter((capability) => capability.formats.includes('raw'));
  for (const capability of raw) {
    if (!signers.some((key) => capability.algorithms.includes(key.algorithm.kind))) {
      problems.add(
        `capabilities claim raw ${capability.scheme} for ${capability.algorithms.join(', ')}, but no listed key with a private key and usage sign has such an algorithm: give the test backend one`,
      );
    }
  }
  const first = context.keys.find((key) => key.hasPrivateKey);
  if (raw.length === 0 && first !== undefined) {
    const data = new Uint8Array(32);
    await problems.expectCode(
      `raw sign is not claimed, so sign(format raw) with key "${first.id}"`,
      () => context.provider.sign({ key: first.id, data, format: 'raw' }),
      ['UNSUPPORTED'],
    );
  } else if (first === undefined) {
    problems.add('no listed key has a private key: the test backend must hold private keys');
  }
}

/**
 * Signs every claimed raw case (each key, scheme, input, hash and ECDSA encoding) and verifies
 * each signature with node:crypto; checks the fields of each `SignResult`.
 *
 * @throws ConformanceError naming every failing case.
 */
export async function checkRawSignatures(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  await claimProblems(context, problems);
  for (const outcome of await context.signAll()) checkOutcome(problems, outcome);
  problems.throwIfAny('raw signatures');
}

/** Flips one bit of the last byte (inside the signature value for every encoding). */
export function tamper(signature: Uint8Array): Uint8Array {
  const copy = new Uint8Array(signature);
  copy[copy.length - 1] = (copy.at(-1) ?? 0) ^ 0x01;
  return copy;
}

/**
 * `provider.verify` accepts each signature made in {@link checkRawSignatures} and answers
 * `valid: false` (not an error) for the same signature with one bit flipped.
 *
 * @throws ConformanceError naming every failing case.
 */
export async function checkProviderVerify(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  for (const outcome of await context.signAll()) {
    const { signCase, data, result } = outcome;
    if (result === undefined) {
      problems.add(
        `${signCase.name}: no signature to verify (sign rejected with ${outcome.error ?? 'nothing'})`,
      );
      continue;
    }
    const request = signRequestFor(signCase, data);
    for (const [signature, expected] of [
      [result.signature, true],
      [tamper(result.signature), false],
    ] as const) {
      const what = `${signCase.name}: verify(${expected ? 'the signature' : 'a tampered signature'})`;
      const verified = await settle(() => context.provider.verify({ ...request, signature }));
      if (verified.rejected) {
        problems.check(false, `${what} rejected with ${describeError(verified.error)}`);
      } else {
        problems.check(
          verified.value.valid === expected,
          `${what} answered valid: ${String(verified.value.valid)}`,
        );
        if (verified.value.key.id !== signCase.key.id) {
          problems.add(`${what}: result.key.id is "${verified.value.key.id}"`);
        }
      }
    }
  }
  if (problems.cases === 0) await verifyWithoutSignatures(context, problems);
  problems.throwIfAny('provider.verify');
}

/** Without signatures to check, a garbage signature must still be `valid: false`. */
async function verifyWithoutSignatures(context: SuiteContext, problems: Problems): Promise<void> {
  const key = context.keys.find((candidate) =>
    ['rsa', 'ec', 'ed25519', 'ed448'].includes(candidate.algorithm.kind),
  );
  if (key === undefined) {
    problems.add('no listed key can sign, so verify cannot be checked: give the test backend one');
    return;
  }
  const signature = new Uint8Array(key.algorithm.kind === 'rsa' ? key.algorithm.bits / 8 : 64);
  const outcome = await settle(() =>
    context.provider.verify({ key: key.id, data: new Uint8Array(32), signature }),
  );
  problems.check(
    !outcome.rejected && !outcome.value.valid,
    `verify of an all-zero signature with key "${key.id}" should answer valid: false, got ${outcome.rejected ? describeError(outcome.error) : 'valid: true'}`,
  );
}
