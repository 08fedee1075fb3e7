import { createReadStream } from 'node:fs';
import { ProviderError } from '@keyroute/core';
import { AuditChainChecker } from './chain.js';
import { LineSplitter } from './lines.js';
import { MAX_LINE_BYTES } from './record.js';

/** What {@link verifyAuditLog} found. */
export interface AuditVerification {
  /** True when every line is a record and the chain holds from the first line to the last. */
  readonly ok: boolean;
  /** Records that verified (all of them when `ok`; those before `firstBadLine` otherwise). */
  readonly records: number;
  /** The first line (counted from 1) that does not fit, when not `ok`. */
  readonly firstBadLine?: number;
  /** What is wrong with that line, when not `ok`. Never quotes the line. */
  readonly problem?: string;
  /** SHA-256 of the last line that verified: compare it with a copy kept elsewhere. */
  readonly head: string;
}

/**
 * Checks the audit log at `path` (what `keyroute audit verify` runs): reads it as a stream, line
 * by line, and checks each line is a record in canonical form whose `seq` follows the one
 * before (from 1) and whose `prev` is the SHA-256 of the line before. Stops at the first line
 * that does not fit. A final line without its newline (a write cut short by a crash) is a
 * problem too; the gateway removes it when it opens the log. An empty file verifies.
 *
 * @throws `ProviderError` `UNAVAILABLE` when the file cannot be read.
 */
export async function verifyAuditLog(path: string): Promise<AuditVerification> {
  const chain = new AuditChainChecker();
  const splitter = new LineSplitter();
  let lineNumber = 0;
  const failure = (problem: string): AuditVerification => ({
    ok: false,
    records: chain.records,
    firstBadLine: lineNumber,
    problem,
    head: chain.head,
  });
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      for (const line of splitter.push(chunk)) {
        lineNumber += 1;
        const problem = chain.accept(line);
        if (problem !== undefined) return failure(problem);
      }
      if (splitter.pendingBytes > MAX_LINE_BYTES) {
        lineNumber += 1;
        return failure(`the line is longer than ${MAX_LINE_BYTES} bytes: not a record`);
      }
    }
  } catch (error) {
    throw new ProviderError('UNAVAILABLE', `cannot read the audit log ${path}`, { cause: error });
  }
  if (splitter.rest() !== undefined) {
    lineNumber += 1;
    return failure(
      'the last line has no newline: a write cut short (a crash); the gateway removes it when it opens the log',
    );
  }
  return { ok: true, records: chain.records, head: chain.head };
}
