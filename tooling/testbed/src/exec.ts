import { execa } from 'execa';

/** Options of {@link run} and {@link runBinary}. */
export interface RunOptions {
  /** Variables added to the inherited environment (never set on `process.env`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to the child's stdin; without it stdin is `/dev/null` so no tool waits for input. */
  readonly input?: string | Uint8Array | undefined;
  /** Terminates the child and rejects with `signal.reason` when aborted. */
  readonly signal?: AbortSignal | undefined;
  /** Kills the child after this many milliseconds; 60 s by default so a hang fails loudly. */
  readonly timeoutMs?: number;
}

/** Flags whose next argument is a secret and must never appear in an error message. */
const SECRET_FLAGS = new Set(['--pin', '--so-pin', '--new-pin', '--puk', '--passphrase']);

/** Replaces the values of {@link SECRET_FLAGS} with `***`. */
export function redactArgs(args: readonly string[]): string[] {
  return args.map((arg, index) => {
    const previous = index > 0 ? args[index - 1] : undefined;
    if (previous !== undefined && SECRET_FLAGS.has(previous)) return '***';
    const eq = arg.indexOf('=');
    if (eq > 0 && SECRET_FLAGS.has(arg.slice(0, eq))) return `${arg.slice(0, eq)}=***`;
    return arg;
  });
}

const decoder = new TextDecoder();

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

async function execute(
  file: string,
  args: readonly string[],
  options: RunOptions,
): Promise<{ stdout: Uint8Array; stderr: string }> {
  const result = await execa(file, args, {
    env: { ...options.env },
    extendEnv: true,
    encoding: 'buffer',
    stripFinalNewline: false,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
    timeout: options.timeoutMs ?? 60_000,
    stderr: 'pipe',
    reject: false,
  });
  options.signal?.throwIfAborted();
  if (result.failed) {
    // execa's own message contains the full command line, which may carry a PIN or passphrase.
    const command = [file, ...redactArgs(args)].join(' ');
    const reason = result.timedOut
      ? 'timed out'
      : result.exitCode === undefined
        ? (result.originalMessage ?? `was killed by ${result.signal ?? 'a signal'}`)
        : `exited with code ${result.exitCode}`;
    const stderr = lastLines(decoder.decode(result.stderr), 8);
    throw new Error(`\`${command}\` ${reason}${stderr === '' ? '' : `:\n${stderr}`}`);
  }
  return { stdout: result.stdout, stderr: decoder.decode(result.stderr) };
}

/**
 * Runs a tool to completion and returns its output as UTF-8 text (final newline kept).
 *
 * @throws Error naming the command (secrets redacted), the exit code and the end of stderr when
 *   the tool fails or times out; rejects with `signal.reason` when `options.signal` aborts.
 */
export async function run(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  const result = await execute(file, args, options);
  return { stdout: decoder.decode(result.stdout), stderr: result.stderr };
}

/**
 * Like {@link run}, but returns stdout as raw bytes (for binary exports).
 *
 * @throws see {@link run}.
 */
export async function runBinary(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<{ stdout: Uint8Array; stderr: string }> {
  return execute(file, args, options);
}
