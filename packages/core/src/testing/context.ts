import type { HashAlgorithm } from '../contract/algorithms.js';
import type { ProviderCapabilities } from '../contract/capabilities.js';
import type { KeyInfo } from '../contract/keys.js';
import type { Provider } from '../contract/provider.js';
import type { SignResult } from '../contract/requests.js';
import { randomInput } from './node-crypto.js';
import type { ConformanceOptions } from './options.js';
import { describeError, settle } from './problems.js';
import { signCases, signRequestFor, type SignCase } from './sign-cases.js';

/** Hashes exercised when the options name none. */
export const DEFAULT_HASHES: readonly HashAlgorithm[] = ['sha256', 'sha384'];

/** One raw signature made for a case: the data signed and the result, or why it failed. */
export interface SignOutcome {
  readonly signCase: SignCase;
  readonly data: Uint8Array;
  readonly result?: SignResult;
  /** Why `sign` rejected, for problem lists. */
  readonly error?: string;
}

/** What every check of one suite run works on. */
export interface SuiteContext {
  readonly provider: Provider;
  /** The keys as listed once when the suite started. */
  readonly keys: readonly KeyInfo[];
  readonly capabilities: ProviderCapabilities;
  readonly hashes: readonly HashAlgorithm[];
  readonly concurrency: number;
  readonly verifyFormat: NonNullable<ConformanceOptions['verifyFormat']>;
  /** Every raw signature case the capabilities claim for the listed keys. */
  readonly signCases: readonly SignCase[];
  /** Signs every case once; the signature and the verify checks share the outcomes. */
  signAll(): Promise<readonly SignOutcome[]>;
}

/** Signs one case over fresh random data, capturing a rejection as a description. */
export async function signOnce(
  provider: Provider,
  signCase: SignCase,
  options?: { signal?: AbortSignal },
): Promise<SignOutcome> {
  const data = randomInput(signCase.dataLength);
  const outcome = await settle(() => provider.sign(signRequestFor(signCase, data), options));
  return outcome.rejected
    ? { signCase, data, error: describeError(outcome.error) }
    : { signCase, data, result: outcome.value };
}

/** Lists the keys once and derives the cases from the capabilities. */
export async function createSuiteContext(
  provider: Provider,
  options: Pick<ConformanceOptions, 'hashes' | 'concurrency' | 'verifyFormat'>,
): Promise<SuiteContext> {
  const keys = await provider.listKeys();
  const capabilities = provider.capabilities();
  const hashes = options.hashes ?? DEFAULT_HASHES;
  const cases = signCases(keys, capabilities, hashes);
  let signed: Promise<readonly SignOutcome[]> | undefined;
  return {
    provider,
    keys,
    capabilities,
    hashes,
    concurrency: options.concurrency ?? 24,
    verifyFormat: options.verifyFormat ?? {},
    signCases: cases,
    signAll() {
      // Sequential: the concurrency test is the one that runs calls in parallel.
      signed ??= (async () => {
        const outcomes: SignOutcome[] = [];
        for (const signCase of cases) outcomes.push(await signOnce(provider, signCase));
        return outcomes;
      })();
      return signed;
    },
  };
}
