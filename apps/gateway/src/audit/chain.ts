import { isProviderError } from '@keyroute/core';
import { GENESIS_HASH, hashLineBytes, parseAuditLine } from './record.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Follows the hash chain of an audit log one line at a time: each line must be a record whose
 * `seq` is one more than the line before (1 for the first) and whose `prev` is the SHA-256 of
 * the line before (zeros for the first). Pure: it sees bytes, not files.
 *
 * A changed line shows up at the line after it (whose `prev` no longer matches); a removed,
 * inserted or moved line shows up where the `seq` breaks. A change to the very last line
 * cannot be seen from the file alone: compare {@link head} with a copy kept elsewhere.
 */
export class AuditChainChecker {
  #records = 0;
  #head = GENESIS_HASH;

  /** Lines accepted so far. */
  get records(): number {
    return this.#records;
  }

  /** Hash of the last accepted line ({@link GENESIS_HASH} before the first). */
  get head(): string {
    return this.#head;
  }

  /**
   * Checks the next line (its bytes, without the newline) and, when it fits, moves on past it.
   * Returns what is wrong with it, or undefined.
   */
  accept(line: Uint8Array): string | undefined {
    let text: string;
    try {
      text = utf8.decode(line);
    } catch {
      return 'the line is not valid UTF-8';
    }
    let seq: number;
    let prev: string;
    try {
      ({ seq, prev } = parseAuditLine(text));
    } catch (error) {
      if (isProviderError(error)) return error.message;
      throw error;
    }
    const expectedSeq = this.#records + 1;
    if (seq !== expectedSeq) {
      return `seq is ${seq} where ${expectedSeq} was expected (a record was removed, inserted or moved)`;
    }
    if (prev !== this.#head) {
      return expectedSeq === 1
        ? 'the first record does not start the chain (its prev is not all zeros)'
        : `prev is not the hash of line ${expectedSeq - 1} (that line was changed, or a line was replaced)`;
    }
    this.#head = hashLineBytes(line);
    this.#records = expectedSeq;
    return undefined;
  }
}
