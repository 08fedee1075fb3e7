import type { FileHandle } from 'node:fs/promises';
import { ProviderError, isProviderError } from '@keyroute/core';
import { openAuditFile, writeFully } from './audit-file.js';
import { hashLine, serializeAuditRecord } from './record.js';
import type { AuditEvent, AuditRecord } from './record.js';
import { recoverAuditTail } from './recovery.js';

/** Options of {@link AuditLog.open}. */
export interface AuditLogOptions {
  /** The log file; created (with its folders) when missing. */
  readonly path: string;
  /** Most records written and fsync'd together in one group commit. Default 512. */
  readonly maxBatch?: number;
  /** The clock that stamps records. Default: the system clock. */
  readonly now?: () => Date;
}

/** What {@link AuditLog.open} found and fixed. */
export interface AuditRecovery {
  /** Bytes cut from the end: a record a crash cut short, never acknowledged. 0 normally. */
  readonly truncatedBytes: number;
  /**
   * False when the last line of the log is not a record: the chain is broken and was not
   * repaired (`keyroute audit verify` says where); new records continue after it.
   */
  readonly lastLineReadable: boolean;
}

/** Counters of an {@link AuditLog} since it was opened. */
export interface AuditLogStats {
  /** Records made durable. */
  readonly records: number;
  /** Group commits: one write of one or more records, then one fsync. */
  readonly batches: number;
  /** fsync (fdatasync) calls that succeeded. */
  readonly fsyncs: number;
  /** Group commits that failed (write or fsync). */
  readonly failures: number;
}

/** The end of the chain: what the next record continues. */
export interface AuditHead {
  /** `seq` of the last durable record (0 when the log is empty). */
  readonly seq: number;
  /** SHA-256 of its line: the `prev` of the next record. */
  readonly hash: string;
}

interface PendingAppend {
  readonly event: AuditEvent;
  readonly time: string;
  readonly resolve: (record: AuditRecord) => void;
  readonly reject: (error: unknown) => void;
}

interface Batch {
  readonly appends: PendingAppend[];
  readonly records: AuditRecord[];
  readonly bytes: Buffer;
  readonly head: AuditHead;
}

const DEFAULT_MAX_BATCH = 512;

/**
 * The gateway's audit log: one JSON line per request, each holding the SHA-256 of the line
 * before, appended by this process alone (two gateways must not share a file).
 *
 * A record is acknowledged only once it is written and fsync'd. Appends that arrive while a
 * write and fsync are in flight wait and go together in the next one (group commit), so under
 * load a request costs a fraction of an fsync.
 *
 * How the gateway uses it, per request: {@link ensureWritable} before performing an operation
 * (a failing log means the operation is not performed: 503); once the outcome is known,
 * {@link append} and await it before responding; if it rejects, answer 503 instead of the
 * result.
 *
 * After a failed write or fsync the log stays usable: {@link ensureWritable} throws until an
 * append succeeds again, and the next append first cuts the file back to the end of the last
 * durable record, so no torn bytes stay in the chain.
 */
export class AuditLog {
  /** The log file. */
  readonly path: string;
  /** What opening found and fixed. */
  readonly recovered: AuditRecovery;
  readonly #handle: FileHandle;
  readonly #maxBatch: number;
  readonly #now: () => Date;
  #size: number;
  #head: AuditHead;
  /** Set when bytes past `#size` may be on disk (a write that failed half-way). */
  #dirtyTail = false;
  #failure: unknown = undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #queue: PendingAppend[] = [];
  #flushing: Promise<void> | undefined;
  #stats: AuditLogStats = { records: 0, batches: 0, fsyncs: 0, failures: 0 };

  private constructor(
    options: AuditLogOptions,
    handle: FileHandle,
    tail: { size: number; seq: number; head: string },
    recovered: AuditRecovery,
  ) {
    this.path = options.path;
    this.recovered = recovered;
    this.#handle = handle;
    this.#maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.#now = options.now ?? (() => new Date());
    this.#size = tail.size;
    this.#head = { seq: tail.seq, hash: tail.head };
  }

  /**
   * Opens the log at `options.path`, creating it (mode `0600`, missing folders `0700`) when
   * missing, and recovers: continues the chain from the last complete line; a torn final line
   * (no newline: a crash mid-write, never acknowledged) is truncated away and counted in
   * {@link recovered}. A chain that does not verify is not repaired: the log opens and
   * `keyroute audit verify` reports it.
   *
   * @throws `ProviderError` `INVALID_INPUT` for a `maxBatch` that is not a positive integer;
   *   `PROTOCOL` when the file is not an audit log (it is left untouched); `UNAVAILABLE` when
   *   it cannot be created, read or repaired.
   */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    const { path, maxBatch } = options;
    if (maxBatch !== undefined && !(Number.isSafeInteger(maxBatch) && maxBatch >= 1)) {
      throw new ProviderError('INVALID_INPUT', 'maxBatch of the audit log must be at least 1');
    }
    let handle: FileHandle;
    try {
      handle = await openAuditFile(path);
    } catch (error) {
      throw new ProviderError('UNAVAILABLE', `cannot open the audit log ${path}`, {
        cause: error,
      });
    }
    try {
      const tail = await recoverAuditTail(handle, path);
      const { truncatedBytes, lastLineReadable } = tail;
      return new AuditLog(options, handle, tail, { truncatedBytes, lastLineReadable });
    } catch (error) {
      await handle.close().catch(() => undefined);
      if (isProviderError(error)) throw error;
      throw new ProviderError('UNAVAILABLE', `cannot recover the audit log ${path}`, {
        cause: error,
      });
    }
  }

  /** The last durable record's `seq` and hash. */
  get head(): AuditHead {
    return this.#head;
  }

  /** Counters since the log was opened. */
  stats(): AuditLogStats {
    return this.#stats;
  }

  /**
   * Appends one record for `event` and resolves with it once it is written and fsync'd. The
   * record is stamped now (`seq` and `prev` are given in call order when its batch is built).
   *
   * @throws `ProviderError` `UNAVAILABLE` when the write or fsync fails (the caller must then not
   *   answer as if the request had been recorded) or the log is closed; `INTERNAL` when `event`
   *   holds a field or value a record may not have (nothing is written for it, and the log
   *   stays writable).
   */
  append(event: AuditEvent): Promise<AuditRecord> {
    if (this.#closed) return Promise.reject(this.#closedError());
    let time: string;
    try {
      time = this.#now().toISOString();
    } catch (error) {
      return Promise.reject(
        new ProviderError('INTERNAL', 'the audit clock gave an invalid time', { cause: error }),
      );
    }
    return new Promise<AuditRecord>((resolve, reject) => {
      this.#queue.push({ event, time, resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  /**
   * Throws unless the log can be written right now: it is open and its last group commit did
   * not fail. Cheap (no I/O): the gateway calls it before performing each operation.
   *
   * @throws `ProviderError` `UNAVAILABLE`.
   */
  ensureWritable(): void {
    if (this.#closed) throw this.#closedError();
    if (this.#failure !== undefined) throw this.#writeError(this.#failure);
  }

  /**
   * Writes what was appended before, then closes the file. Appends after this reject with
   * `UNAVAILABLE`. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await this.#flushing;
      await this.#handle.close();
    })();
    return this.#closing;
  }

  async #flush(): Promise<void> {
    try {
      // Appends made in the same tick as the first one join its batch.
      await Promise.resolve();
      while (this.#queue.length > 0) {
        await this.#commit(this.#buildBatch(this.#queue.splice(0, this.#maxBatch)));
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Chains `appends` after the head; one whose event is refused is rejected and left out. */
  #buildBatch(appends: readonly PendingAppend[]): Batch {
    const accepted: PendingAppend[] = [];
    const records: AuditRecord[] = [];
    const lines: string[] = [];
    let { seq, hash } = this.#head;
    for (const pending of appends) {
      const record: AuditRecord = {
        ...pending.event,
        seq: seq + 1,
        time: pending.time,
        prev: hash,
      };
      let line: string;
      try {
        line = serializeAuditRecord(record);
      } catch (error) {
        pending.reject(error);
        continue;
      }
      seq += 1;
      hash = hashLine(line);
      accepted.push(pending);
      records.push(record);
      lines.push(line);
    }
    const bytes = Buffer.from(lines.length === 0 ? '' : `${lines.join('\n')}\n`, 'utf8');
    return { appends: accepted, records, bytes, head: { seq, hash } };
  }

  async #commit(batch: Batch): Promise<void> {
    if (batch.appends.length === 0) return;
    try {
      if (this.#dirtyTail) await this.#handle.truncate(this.#size);
      this.#dirtyTail = true;
      await writeFully(this.#handle, batch.bytes, this.#size);
      // fdatasync: the data and the new file size, which is all a reader needs.
      await this.#handle.datasync();
      this.#dirtyTail = false;
    } catch (error) {
      this.#failure = error;
      this.#stats = { ...this.#stats, failures: this.#stats.failures + 1 };
      const failed = this.#writeError(error);
      // Appends waiting behind a failed commit would meet the same disk: fail them now.
      for (const pending of [...batch.appends, ...this.#queue.splice(0)]) pending.reject(failed);
      return;
    }
    this.#failure = undefined;
    this.#size += batch.bytes.byteLength;
    this.#head = batch.head;
    this.#stats = {
      records: this.#stats.records + batch.records.length,
      batches: this.#stats.batches + 1,
      fsyncs: this.#stats.fsyncs + 1,
      failures: this.#stats.failures,
    };
    batch.appends.forEach((pending, index) => {
      pending.resolve(batch.records[index] as AuditRecord);
    });
  }

  #writeError(cause: unknown): ProviderError {
    return new ProviderError('UNAVAILABLE', `cannot write the audit log ${this.path}`, { cause });
  }

  #closedError(): ProviderError {
    return new ProviderError('UNAVAILABLE', `the audit log ${this.path} is closed`);
  }
}
