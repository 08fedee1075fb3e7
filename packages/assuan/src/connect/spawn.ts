import { spawn } from 'node:child_process';
import type { ChildProcess, StdioPipe } from 'node:child_process';
import { Duplex } from 'node:stream';
import { AssuanConnection } from '../client/connection.js';
import type { ConnectionOptions } from '../client/types.js';
import { AssuanError } from '../errors.js';

/** Options of {@link spawnAssuanServer}. */
export interface SpawnAssuanServerOptions extends ConnectionOptions {
  /**
   * How many extra pipes the child gets as fds 3, 4, …: what `INPUT FD=3` / `OUTPUT FD=4` /
   * `MESSAGE FD=5` name, since Node cannot pass descriptors over a socket. 0 by default, at
   * most 16.
   */
  readonly extraPipes?: number;
  /** Variables added to (and overriding) `process.env` for the child, e.g. `{ GNUPGHOME }`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory of the child. */
  readonly cwd?: string;
  /**
   * Aborts the start (spawn and greeting): the child is killed and the promise rejects with
   * `signal.reason`. It has no effect once the promise resolved.
   */
  readonly signal?: AbortSignal;
}

/** A running Assuan server child process; dispose it to say `BYE` and reap it. */
export interface AssuanServerProcess extends AsyncDisposable {
  /** The Assuan connection over the child's stdin/stdout. */
  readonly connection: AssuanConnection;
  /**
   * Our ends of the extra pipes by the child's fd number (3, 4, …): write what a command reads
   * from `INPUT FD=n` / `MESSAGE FD=n` and `end()` it; read what it writes to `OUTPUT FD=n`
   * until `end`. Servers such as gpgsm close an fd after the command that used it, so every
   * pipe serves one command. Errors on these streams are not fatal here: listen for them.
   */
  readonly pipes: Readonly<Record<number, Duplex>>;
  /** The child process. */
  readonly child: ChildProcess;
  /** The last (at most 16 KiB) of the child's stderr, decoded as UTF-8. */
  readonly stderr: string;
  /**
   * Closes the connection (`BYE`, at most 5 s), ends the pipes and waits for the child to exit;
   * sends SIGTERM (then SIGKILL) when it does not exit within a second. Idempotent, never
   * rejects.
   */
  dispose(): Promise<void>;
}

const MAX_EXTRA_PIPES = 16;
const MAX_STDERR_BYTES = 16 * 1024;
const BYE_TIMEOUT_MS = 5_000;
const EXIT_GRACE_MS = 1_000;

/** Keeps the last `limit` bytes written to it. */
class TailBuffer {
  #chunks: Buffer[] = [];
  #bytes = 0;
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
    while (this.#bytes > this.#limit && this.#chunks.length > 1) {
      const first = this.#chunks.shift();
      this.#bytes -= first?.byteLength ?? 0;
    }
  }

  toString(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.byteLength - this.#limit)).toString('utf8');
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves true when the child exits within `ms`, false otherwise. */
function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Waits for the child to exit (`graceMs` first when it may still exit by itself), killing it. */
async function reap(child: ChildProcess, graceMs: number): Promise<void> {
  if (await waitForExit(child, graceMs)) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, EXIT_GRACE_MS)) return;
  child.kill('SIGKILL');
  await waitForExit(child, EXIT_GRACE_MS);
}

/** Waits for 'spawn' (the executable started) or 'error' (it could not). */
function whenSpawned(child: ChildProcess, file: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onSpawn = (): void => {
      child.off('error', onError);
      resolve();
    };
    const onError = (error: Error): void => {
      child.off('spawn', onSpawn);
      const code = (error as { code?: unknown }).code;
      reject(
        new Error(
          code === 'ENOENT'
            ? `cannot start ${file}: not found (ENOENT); install it or pass its absolute path`
            : `cannot start ${file}: ${error.message}`,
          { cause: error },
        ),
      );
    };
    child.once('spawn', onSpawn);
    child.once('error', onError);
  });
}

function exitDescription(child: ChildProcess): string {
  if (child.exitCode !== null) return `exited with code ${child.exitCode}`;
  if (child.signalCode !== null) return `was killed by ${child.signalCode}`;
  return 'closed its stdout';
}

/**
 * Starts an Assuan server as a child process that speaks the protocol on its stdin/stdout
 * (`gpgsm --server`, `gpg-agent --server`, `scdaemon --server`, `dirmngr --server`, a pinentry)
 * and reads its greeting. Extra pipes become the child's fds 3, 4, … for commands that
 * transfer data through descriptors (`INPUT FD=3`, `OUTPUT FD=4`).
 *
 * @param file - the executable, a path or a name looked up in `PATH`.
 * @param args - its arguments (visible in `ps`: never put secrets here).
 * @throws RangeError for a bad `extraPipes`; Error naming the file when it cannot be started
 *   (ENOENT and others); Error with the exit status and the tail of stderr when the child exits
 *   (or closes stdout) before greeting; AssuanError when it greets with `ERR`. The child is
 *   killed on every failure. On abort the promise rejects with `signal.reason`.
 */
export async function spawnAssuanServer(
  file: string,
  args: readonly string[],
  options: SpawnAssuanServerOptions = {},
): Promise<AssuanServerProcess> {
  const { extraPipes = 0, env, cwd, signal, ...connectionOptions } = options;
  if (!Number.isSafeInteger(extraPipes) || extraPipes < 0 || extraPipes > MAX_EXTRA_PIPES) {
    throw new RangeError(
      `extraPipes must be an integer from 0 to ${MAX_EXTRA_PIPES}, got ${String(extraPipes)}`,
    );
  }
  signal?.throwIfAborted();
  const stdio: StdioPipe[] = ['pipe', 'pipe', 'pipe'];
  for (let i = 0; i < extraPipes; i++) stdio.push('pipe');
  const child = spawn(file, args, {
    stdio,
    ...(env === undefined ? {} : { env: { ...process.env, ...env } }),
    ...(cwd === undefined ? {} : { cwd }),
  });
  const stderr = new TailBuffer(MAX_STDERR_BYTES);
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk);
  });
  // Errors after the start (e.g. a failed kill) are reported through the connection instead.
  child.on('error', () => undefined);

  try {
    await whenSpawned(child, file);
    const { stdin, stdout } = child;
    const pipes: Record<number, Duplex> = {};
    for (let fd = 3; fd < 3 + extraPipes; fd++) {
      const pipe = child.stdio[fd];
      if (!(pipe instanceof Duplex)) throw new Error(`${file} has no pipe on fd ${fd}`);
      // EPIPE when the child closed its end: the command that used the fd reports the failure.
      pipe.on('error', () => undefined);
      pipes[fd] = pipe;
    }
    const duplex = Duplex.from({ readable: stdout, writable: stdin });
    let connection: AssuanConnection;
    try {
      connection = await AssuanConnection.open(duplex, {
        ...connectionOptions,
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      // An ERR greeting and an abort speak for themselves; otherwise the child's exit explains.
      if (
        signal?.aborted === true ||
        error instanceof AssuanError ||
        !(await waitForExit(child, EXIT_GRACE_MS))
      ) {
        throw error;
      }
      const tail = stderr.toString().trim();
      throw new Error(
        `${file} ${exitDescription(child)} before its Assuan greeting${tail === '' ? '' : `; stderr: ${tail}`}`,
        { cause: error },
      );
    }
    let disposal: Promise<void> | undefined;
    const dispose = (): Promise<void> => {
      disposal ??= (async () => {
        try {
          await connection.close({ signal: AbortSignal.timeout(BYE_TIMEOUT_MS) });
        } catch {
          // Timed out: close() destroyed the connection; the child is killed below.
        }
        for (const pipe of Object.values(pipes)) pipe.destroy();
        await reap(child, EXIT_GRACE_MS);
      })();
      return disposal;
    };
    return {
      connection,
      pipes,
      child,
      get stderr() {
        return stderr.toString();
      },
      dispose,
      [Symbol.asyncDispose]: dispose,
    };
  } catch (error) {
    for (const stream of child.stdio) stream?.destroy();
    await reap(child, 0);
    throw error;
  }
}
