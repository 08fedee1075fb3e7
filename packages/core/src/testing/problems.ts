import { isProviderError, type ErrorCode } from '../contract/errors.js';

/**
 * Thrown by a conformance check. Its message lists every problem found, so that one failing
 * test names all the cases that broke instead of only the first.
 */
export class ConformanceError extends Error {
  override readonly name = 'ConformanceError';
  /** Each problem, one line each. */
  readonly problems: readonly string[];

  constructor(title: string, problems: readonly string[]) {
    super(`${title}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Collects the problems of many cases; {@link Problems.throwIfAny} ends a check. */
export class Problems {
  readonly #problems: string[] = [];
  #cases = 0;

  /** Number of cases exercised so far. */
  get cases(): number {
    return this.#cases;
  }

  /** Records a problem. */
  add(problem: string): void {
    this.#problems.push(problem);
  }

  /** Counts one exercised case; records `problem` unless `ok`. */
  check(ok: boolean, problem: string): void {
    this.#cases += 1;
    if (!ok) this.#problems.push(problem);
  }

  /** Throws a {@link ConformanceError} titled `title` when any problem was recorded. */
  throwIfAny(title: string): void {
    if (this.#problems.length > 0) throw new ConformanceError(title, this.#problems);
  }

  /**
   * Counts one case that must reject with a `ProviderError` of one of `codes`, and records
   * what happened instead.
   */
  async expectCode(what: string, call: () => PromiseLike<unknown>, codes: readonly ErrorCode[]) {
    const outcome = await settle(call);
    const wanted = codes.join(' or ');
    if (!outcome.rejected) {
      this.check(false, `${what}: resolved, expected a ProviderError ${wanted}`);
    } else if (!isProviderError(outcome.error)) {
      this.check(
        false,
        `${what}: rejected with ${describeError(outcome.error)}, not a ProviderError`,
      );
    } else {
      const { code } = outcome.error;
      this.check(
        codes.includes(code),
        `${what}: got ${describeError(outcome.error)}, expected ${wanted}`,
      );
    }
  }
}

/** How a call settled. */
export type Settled<T> =
  | { readonly rejected: false; readonly value: T }
  | { readonly rejected: true; readonly error: unknown };

/** Runs `call` and reports how it settled (a synchronous throw counts as a rejection). */
export async function settle<T>(call: () => PromiseLike<T>): Promise<Settled<T>> {
  try {
    return { rejected: false, value: await call() };
  } catch (error) {
    return { rejected: true, error };
  }
}

/** One line about an error, for problem lists: code and message for a `ProviderError`. */
export function describeError(error: unknown): string {
  if (isProviderError(error)) return `ProviderError ${error.code} ("${error.message}")`;
  if (error instanceof Error) return `${error.name} ("${error.message}")`;
  return typeof error === 'string' ? `"${error}"` : `a non-error value (${typeof error})`;
}
