/**
 * Options accepted last by every I/O method of the contract.
 *
 * An aborted signal makes the pending call reject with `signal.reason`
 * (a `DOMException` named `AbortError` unless the caller chose another reason).
 */
export interface CallOptions {
  /** Cancels the call; the promise rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}
