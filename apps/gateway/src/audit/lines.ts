const NEWLINE = 0x0a;

/**
 * Cuts a stream of bytes into lines at `\n`, whatever the chunk boundaries. Lines are returned
 * as bytes without their newline (the audit chain hashes exact bytes, so nothing is decoded
 * here). Bytes after the last newline are held until the next chunk.
 */
export class LineSplitter {
  #held: Buffer[] = [];
  #heldBytes = 0;

  /** Bytes held from earlier chunks: the start of a line whose newline has not come yet. */
  get pendingBytes(): number {
    return this.#heldBytes;
  }

  /** The lines that `chunk` completes, in order. */
  push(chunk: Uint8Array): Buffer[] {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const lines: Buffer[] = [];
    let start = 0;
    for (let end = bytes.indexOf(NEWLINE); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
      const piece = bytes.subarray(start, end);
      if (this.#heldBytes === 0) {
        lines.push(piece);
      } else {
        lines.push(Buffer.concat([...this.#held, piece]));
        this.#held = [];
        this.#heldBytes = 0;
      }
      start = end + 1;
    }
    if (start < bytes.byteLength) {
      this.#held.push(bytes.subarray(start));
      this.#heldBytes += bytes.byteLength - start;
    }
    return lines;
  }

  /** The bytes after the last newline (a line cut short), or undefined when there are none. */
  rest(): Buffer | undefined {
    return this.#heldBytes === 0 ? undefined : Buffer.concat(this.#held);
  }
}

/** Number of newlines in `bytes`. */
export function countNewlines(bytes: Uint8Array): number {
  let count = 0;
  for (
    let index = bytes.indexOf(NEWLINE);
    index !== -1;
    index = bytes.indexOf(NEWLINE, index + 1)
  ) {
    count += 1;
  }
  return count;
}
