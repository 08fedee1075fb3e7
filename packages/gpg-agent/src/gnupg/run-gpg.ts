import { ErrorCode } from '@keyroute/core';
import { execa } from 'execa';
import { gnupgError, stderrTail } from './errors.js';
import { parseStatusOutput } from './status.js';
import type { GnupgStatus } from './status.js';

/** Options of {@link runGpg}. */
export interface GpgRunOptions {
  /** GNUPGHOME, passed as `--homedir`; gpg's default (`$GNUPGHOME` or `~/.gnupg`) when absent. */
  readonly homedir?: string;
  /** Bytes fed to gpg's stdin; stdin is `/dev/null` when absent. */
  readonly input?: Uint8Array;
  /**
   * Passphrase for the secret key, sent on fd 4 (`--pinentry-mode loopback --passphrase-fd 4`):
   * never on the command line, never in an error. Without one the agent's own pinentry (if any)
   * is asked.
   */
  readonly passphrase?: Uint8Array | string;
  /** Kills gpg; the call then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** The gpg executable (`gpg` from `PATH` by default). */
  readonly gpgPath?: string;
}

/** What {@link runGpg} returns: gpg's outputs, whatever its exit code. */
export interface GpgRunResult {
  /** Everything gpg wrote to stdout, unchanged. */
  readonly stdout: Uint8Array;
  /** The status lines gpg wrote to fd 3 (`--status-fd 3`), the only channel to trust. */
  readonly status: GnupgStatus[];
  /** gpg's stderr (human text, at most 1 MiB): for error messages only, never to be parsed. */
  readonly stderr: string;
  /** gpg's exit code (0 ok, 1 bad signature, 2 other errors). */
  readonly exitCode: number;
}

/** Status descriptor and passphrase descriptor of the child (fds 0–2 are stdio). */
const STATUS_FD = 3;
const PASSPHRASE_FD = 4;
const MAX_STDOUT_BYTES = 256 * 1024 * 1024;
const MAX_STDERR_BYTES = 1024 * 1024;
const MAX_STATUS_BYTES = 16 * 1024 * 1024;

/** What a GnuPG tool is called and which Debian package installs it, for "missing" errors. */
export interface GnupgTool {
  readonly file: string;
  readonly debianPackage: string;
}

function passphraseBytes(passphrase: Uint8Array | string): Uint8Array {
  const bytes = typeof passphrase === 'string' ? new TextEncoder().encode(passphrase) : passphrase;
  // gpg reads one line from --passphrase-fd: a LF or NUL inside would cut it short.
  if (bytes.includes(0x0a) || bytes.includes(0x0d) || bytes.includes(0x00)) {
    throw gnupgError(
      ErrorCode.INVALID_INPUT,
      'the passphrase contains a line break or NUL byte, which gpg cannot read from --passphrase-fd',
    );
  }
  const line = new Uint8Array(bytes.length + 1);
  line.set(bytes);
  line[bytes.length] = 0x0a;
  return line;
}

/**
 * Runs a GnuPG command-line tool (gpg or gpgsm) with `--batch --no-tty [--homedir] --status-fd 3`,
 * and the passphrase, if any, on fd 4. Internal: {@link runGpg} is the public form.
 */
export async function runGnupgTool(
  tool: GnupgTool,
  args: readonly string[],
  options: GpgRunOptions,
): Promise<GpgRunResult> {
  const { homedir, input, passphrase, signal } = options;
  signal?.throwIfAborted();
  const passphraseLine = passphrase === undefined ? undefined : passphraseBytes(passphrase);
  const fullArgs = [
    '--batch',
    '--no-tty',
    ...(homedir === undefined ? [] : ['--homedir', homedir]),
    '--status-fd',
    String(STATUS_FD),
    ...(passphraseLine === undefined
      ? []
      : ['--pinentry-mode', 'loopback', '--passphrase-fd', String(PASSPHRASE_FD)]),
    ...args,
  ];
  const result = await execa(tool.file, fullArgs, {
    stdio: [
      input === undefined ? 'ignore' : 'pipe',
      'pipe',
      'pipe',
      'pipe',
      ...(passphraseLine === undefined ? [] : [passphraseLine]),
    ],
    ...(input === undefined ? {} : { input }),
    encoding: 'buffer',
    stripFinalNewline: false,
    reject: false,
    maxBuffer: { stdout: MAX_STDOUT_BYTES, stderr: MAX_STDERR_BYTES, fd3: MAX_STATUS_BYTES },
    ...(signal === undefined ? {} : { cancelSignal: signal }),
    forceKillAfterDelay: 1000,
    // Human output is never parsed, but keep it in English for error messages.
    env: { LC_ALL: 'C', LANGUAGE: 'C' },
  });
  if (signal?.aborted === true) throw signal.reason;
  if (result.failed && result.exitCode === undefined) {
    const code = (result.cause as { code?: unknown } | undefined)?.code;
    if (code === 'ENOENT') {
      throw gnupgError(
        ErrorCode.UNAVAILABLE,
        `${tool.file} not found: install the Debian package "${tool.debianPackage}" (apt-get install -y ${tool.debianPackage})`,
        result.cause,
      );
    }
    throw gnupgError(
      ErrorCode.INTERNAL,
      `${tool.file} could not run${result.isMaxBuffer ? ' (output too large)' : ''}`,
      result.cause,
    );
  }
  if (result.isMaxBuffer) {
    throw gnupgError(ErrorCode.INVALID_INPUT, `${tool.file} output exceeded its size limit`);
  }
  const statusBytes = result.stdio[STATUS_FD];
  return {
    stdout: new Uint8Array(result.stdout),
    status: parseStatusOutput(statusBytes instanceof Uint8Array ? statusBytes : new Uint8Array()),
    stderr: new TextDecoder().decode(result.stderr),
    exitCode: result.exitCode ?? -1,
  };
}

/** Describes a failed run for an error message: exit code and the tail of stderr. */
export function describeFailure(tool: string, result: GpgRunResult): string {
  const tail = stderrTail(result.stderr);
  return `${tool} exited with code ${result.exitCode}${tail === '' ? '' : `: ${tail}`}`;
}

/**
 * Runs `gpg --batch --no-tty [--homedir <homedir>] --status-fd 3 <args>`: the one place that
 * spawns gpg. Status lines come from fd 3 only (CVE-2018-12020: never from stdout/stderr). A
 * passphrase goes through fd 4 with `--pinentry-mode loopback --passphrase-fd 4`, never through
 * argv. A non-zero exit is not an error here: callers judge the status lines.
 *
 * @returns stdout, the parsed status lines, stderr (bounded, for messages only) and the exit code.
 * @throws ProviderError UNAVAILABLE naming the Debian package `gnupg` when gpg is missing;
 *   INVALID_INPUT for a passphrase with a line break or NUL, or output over the size limit;
 *   INTERNAL when gpg cannot be run. On abort gpg is killed and the call rejects with
 *   `signal.reason`.
 */
export function runGpg(args: readonly string[], options: GpgRunOptions): Promise<GpgRunResult> {
  return runGnupgTool({ file: options.gpgPath ?? 'gpg', debianPackage: 'gnupg' }, args, options);
}
