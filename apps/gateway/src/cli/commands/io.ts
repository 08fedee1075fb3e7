import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { CliError, CliUsageError, EXIT } from './errors.js';

/** Bytes read at a time while hashing; two buffers of this size are all a hash ever holds. */
export const CHUNK_BYTES = 2 ** 20;

/** Inputs larger than this show a progress line while hashed, when stderr is a terminal. */
export const PROGRESS_MIN_BYTES = 64 * 2 ** 20;

/** What `--in` names: a file, or `-` (and no `--in`) for standard input. */
export type InputName = string;

function isStdin(input: InputName): boolean {
  return input === '-';
}

/** The `--in` value: a file name or `-`; without one, stdin unless it is a terminal. */
export function inputOf(value: string | undefined): InputName {
  if (value !== undefined) return value;
  if (process.stdin.isTTY) {
    throw new CliUsageError('give --in FILE (or pipe the input to stdin and use --in -)');
  }
  return '-';
}

function readProblem(input: InputName, error: unknown): CliError {
  const code = (error as { code?: unknown } | undefined)?.code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : error instanceof Error
            ? error.message
            : String(error);
  return new CliError(`cannot read ${input}: ${why}`, EXIT.failure, { cause: error });
}

/** A percentage line on stderr, redrawn at most ten times a second. */
class ProgressLine {
  readonly #label: string;
  readonly #total: number;
  #shownAt = 0;
  #shown = false;

  constructor(label: string, total: number) {
    this.#label = label;
    this.#total = total;
  }

  update(done: number): void {
    const now = Date.now();
    if (now - this.#shownAt < 100) return;
    this.#shownAt = now;
    this.#shown = true;
    const percent = Math.floor((done / this.#total) * 100);
    const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
    process.stderr.write(
      `\r\x1b[K${this.#label} ${String(percent).padStart(3)}% (${mib(done)} of ${mib(this.#total)} MiB)`,
    );
  }

  end(): void {
    if (this.#shown) process.stderr.write('\r\x1b[K');
  }
}

/**
 * Feeds every byte of the input to `consume`, in chunks of {@link CHUNK_BYTES}, never holding
 * more than two chunks: the next chunk is read (in libuv's thread pool) while `consume` works
 * on the current one. `consume` must be done with a chunk when it returns (a hash update is):
 * its buffer is reused. A file larger than {@link PROGRESS_MIN_BYTES} shows a progress line
 * when stderr is a terminal.
 *
 * @returns the number of bytes read.
 * @throws CliError naming the input when it cannot be read.
 */
export async function streamInput(
  input: InputName,
  consume: (chunk: Buffer) => void,
  label = 'hashing',
): Promise<number> {
  if (isStdin(input)) {
    let total = 0;
    for await (const chunk of process.stdin) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      consume(buffer);
    }
    return total;
  }
  let handle;
  try {
    handle = await open(input, 'r');
  } catch (error) {
    throw readProblem(input, error);
  }
  try {
    const size = (await handle.stat()).size;
    const progress =
      process.stderr.isTTY && size > PROGRESS_MIN_BYTES
        ? new ProgressLine(`${label} ${basename(input)}`, size)
        : undefined;
    let current = Buffer.allocUnsafe(CHUNK_BYTES);
    let next = Buffer.allocUnsafe(CHUNK_BYTES);
    let position = 0;
    let reading = handle.read(current, 0, CHUNK_BYTES, 0);
    try {
      for (;;) {
        const { bytesRead } = await reading;
        if (bytesRead === 0) break;
        position += bytesRead;
        reading = handle.read(next, 0, CHUNK_BYTES, position);
        consume(current.subarray(0, bytesRead));
        [current, next] = [next, current];
        progress?.update(position);
      }
    } catch (error) {
      await reading.catch(() => undefined);
      throw error;
    } finally {
      progress?.end();
    }
    return position;
  } catch (error) {
    throw error instanceof CliError ? error : readProblem(input, error);
  } finally {
    await handle.close();
  }
}

/**
 * Reads the whole input, for operations that need the message itself (pure EdDSA,
 * encryption, decryption).
 *
 * @throws CliError (usage, exit 2) when the input exceeds `limit` bytes, with `why`.
 */
export async function readWhole(input: InputName, limit: number, why: string): Promise<Buffer> {
  const tooLarge = (): CliError =>
    new CliError(
      `${isStdin(input) ? 'the input' : input} is larger than ${limit} bytes: ${why}`,
      EXIT.usage,
    );
  if (!isStdin(input)) {
    let size: number;
    try {
      size = (await stat(input)).size;
    } catch (error) {
      throw readProblem(input, error);
    }
    if (size > limit) throw tooLarge();
    try {
      return await readFile(input);
    } catch (error) {
      throw readProblem(input, error);
    }
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > limit) throw tooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads a small file whole (a signature), naming it when it cannot be read or is too large. */
export async function readSmallFile(path: string, limit: number, what: string): Promise<Buffer> {
  return readWhole(path, limit, `too large for ${what}`);
}

function writeStdout(bytes: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(bytes, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

/**
 * Writes the result to `--out` (a file, replaced) or to stdout (`-` or no `--out`). Binary
 * output is not written to a terminal.
 */
export async function writeOutput(
  out: string | undefined,
  bytes: Uint8Array,
  binary: boolean,
): Promise<void> {
  if (out !== undefined && out !== '-') {
    try {
      await writeFile(out, bytes);
    } catch (error) {
      throw new CliError(
        `cannot write ${out}: ${error instanceof Error ? error.message : String(error)}`,
        EXIT.failure,
        { cause: error },
      );
    }
    return;
  }
  if (binary && process.stdout.isTTY) {
    throw new CliUsageError(
      'refusing to write binary output to a terminal: give --out FILE or --base64',
    );
  }
  await writeStdout(bytes);
}

/** Writes text to stdout. */
export function writeText(text: string): Promise<void> {
  return writeStdout(text);
}
