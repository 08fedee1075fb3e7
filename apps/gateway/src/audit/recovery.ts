import type { FileHandle } from 'node:fs/promises';
import { ProviderError } from '@keyroute/core';
import { countNewlines } from './lines.js';
import { GENESIS_HASH, MAX_LINE_BYTES, hashLineBytes, parseAuditLine } from './record.js';

/** Where an audit log ends, as {@link recoverAuditTail} found (and left) it. */
export interface AuditTail {
  /** Bytes of the file: complete lines only, once a torn one is cut away. */
  readonly size: number;
  /** `seq` of the last record; 0 for an empty log. */
  readonly seq: number;
  /** Hash of the last line: the `prev` of the next record ({@link GENESIS_HASH} when empty). */
  readonly head: string;
  /** Bytes cut after the last newline: a write a crash cut short, never acknowledged. */
  readonly truncatedBytes: number;
  /** False when the last complete line is not a record (the chain is broken; not repaired). */
  readonly lastLineReadable: boolean;
}

/** How every record line starts (the first field is always `seq`). */
const RECORD_START = Buffer.from('{"seq":');

/** Bytes read back from an end to find a line start: one line at most, and its newline. */
const WINDOW_BYTES = MAX_LINE_BYTES + 1;

const COUNT_CHUNK_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * True when `start`, the first bytes of a file, can begin an audit log: they are the start of
 * a record, or a shorter prefix of it (a first write cut short).
 */
export function looksLikeAuditLogStart(start: Uint8Array): boolean {
  const length = Math.min(start.byteLength, RECORD_START.byteLength);
  return Buffer.from(start.buffer, start.byteOffset, length).equals(
    RECORD_START.subarray(0, length),
  );
}

/** The `seq` of `line` when it is a record, else undefined. */
function seqOfLine(line: Uint8Array): number | undefined {
  try {
    return parseAuditLine(utf8.decode(line)).seq;
  } catch {
    return undefined;
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const bytes = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(bytes, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return bytes.subarray(0, filled);
}

/**
 * The line that ends at `end` (exclusive), read back from there: its bytes and where it starts.
 * Undefined when it is longer than any record (no newline within {@link WINDOW_BYTES}).
 */
async function lineEndingAt(
  handle: FileHandle,
  end: number,
): Promise<{ readonly bytes: Buffer; readonly start: number } | undefined> {
  const windowStart = Math.max(0, end - WINDOW_BYTES);
  const window = await readAt(handle, windowStart, end - windowStart);
  const newline = window.lastIndexOf(NEWLINE);
  if (newline === -1 && windowStart > 0) return undefined;
  return { bytes: window.subarray(newline + 1), start: windowStart + newline + 1 };
}

async function countLines(handle: FileHandle, end: number): Promise<number> {
  let lines = 0;
  for (let position = 0; position < end; position += COUNT_CHUNK_BYTES) {
    lines += countNewlines(
      await readAt(handle, position, Math.min(COUNT_CHUNK_BYTES, end - position)),
    );
  }
  return lines;
}

/**
 * Finds where the audit log open on `handle` ends and makes it end on a complete line: bytes
 * after the last newline — a record a crash cut short, which was never acknowledged since a
 * record is acknowledged only once its newline is durable — are truncated away and the
 * truncation fsync'd. Reads only the end of the file, unless the last line is not a record:
 * then the chain is not repaired, `seq` continues from the number of lines (a full read), and
 * `verifyAuditLog` reports the damage.
 *
 * @throws `ProviderError` `PROTOCOL` when the file is not a regular file or does not look like an
 *   audit log (it is left untouched); the file-system error as it is when I/O fails.
 */
export async function recoverAuditTail(handle: FileHandle, path: string): Promise<AuditTail> {
  const stats = await handle.stat();
  if (!stats.isFile()) throw new ProviderError('PROTOCOL', `${path} is not a regular file`);
  if (stats.size === 0) {
    return { size: 0, seq: 0, head: GENESIS_HASH, truncatedBytes: 0, lastLineReadable: true };
  }
  if (!looksLikeAuditLogStart(await readAt(handle, 0, RECORD_START.byteLength))) {
    throw new ProviderError(
      'PROTOCOL',
      `${path} is not a keyroute audit log (it does not start with a record); refusing to write to it`,
    );
  }
  const torn = await lineEndingAt(handle, stats.size);
  if (torn === undefined) {
    throw new ProviderError(
      'PROTOCOL',
      `${path} ends with a line longer than any record; refusing to write to it`,
    );
  }
  const size = torn.start;
  const truncatedBytes = stats.size - size;
  if (truncatedBytes > 0) {
    await handle.truncate(size);
    await handle.sync();
  }
  if (size === 0) {
    return { size, seq: 0, head: GENESIS_HASH, truncatedBytes, lastLineReadable: true };
  }
  const last = await lineEndingAt(handle, size - 1);
  const seq = last === undefined ? undefined : seqOfLine(last.bytes);
  if (last !== undefined && seq !== undefined) {
    return { size, seq, head: hashLineBytes(last.bytes), truncatedBytes, lastLineReadable: true };
  }
  return {
    size,
    seq: await countLines(handle, size),
    head: last === undefined ? GENESIS_HASH : hashLineBytes(last.bytes),
    truncatedBytes,
    lastLineReadable: false,
  };
}
