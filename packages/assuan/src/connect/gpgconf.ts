import { execa } from 'execa';

/** Options of the `gpgconf` helpers. */
export interface GpgconfOptions {
  /** GNUPGHOME to ask about (`gpgconf --homedir`); the environment's (or `~/.gnupg`) when absent. */
  readonly homedir?: string;
  /** The `gpgconf` executable: a path, or a name looked up in `PATH` (`gpgconf` by default). */
  readonly gpgconf?: string;
  /** Aborts (kills) `gpgconf`; rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

const NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Decodes `gpgconf`'s percent-escaping (`%3a` for `:`, `%25` for `%`).
 *
 * @throws Error on a `%` not followed by two hex digits.
 */
function percentDecode(value: string, line: number): string {
  if (!value.includes('%')) return value;
  if (/%(?![0-9a-fA-F]{2})/.test(value)) {
    throw new Error(`gpgconf --list-dirs line ${line}: bad percent-escape`);
  }
  try {
    // Every '%' starts a two-digit escape (checked above); escaped bytes are UTF-8.
    return decodeURIComponent(value);
  } catch (error) {
    throw new Error(`gpgconf --list-dirs line ${line}: escapes are not UTF-8`, { cause: error });
  }
}

/**
 * Parses the output of `gpgconf --list-dirs`: one `name:value` line per directory, values
 * percent-escaped (`%3a` for `:`).
 *
 * @returns the directories by name (`agent-socket`, `homedir`, `socketdir`, …), decoded.
 * @throws Error naming the line number when a line is not `name:value` with a lower-case name,
 *   a value holds an unescaped `:`, an escape is malformed or a name repeats.
 */
export function parseGpgconfDirs(output: string): Record<string, string> {
  const dirs: Record<string, string> = {};
  const lines = output.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const number = index + 1;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    if (colon === -1 || !NAME.test(name)) {
      throw new Error(`gpgconf --list-dirs line ${number} is not "name:value"`);
    }
    const value = line.slice(colon + 1);
    if (value.includes(':')) {
      throw new Error(`gpgconf --list-dirs line ${number} (${name}) has an unescaped ":"`);
    }
    if (Object.hasOwn(dirs, name)) {
      throw new Error(`gpgconf --list-dirs lists ${name} twice`);
    }
    dirs[name] = percentDecode(value, number);
  });
  return dirs;
}

/**
 * Runs `gpgconf` with the options' homedir and abort signal.
 *
 * @throws Error naming the Debian package when gpgconf is missing; Error with gpgconf's exit
 *   code and stderr when it fails; `signal.reason` on abort.
 */
export async function runGpgconf(
  args: readonly string[],
  options: GpgconfOptions = {},
): Promise<string> {
  const { signal } = options;
  signal?.throwIfAborted();
  const file = options.gpgconf ?? 'gpgconf';
  const fullArgs = options.homedir === undefined ? args : ['--homedir', options.homedir, ...args];
  try {
    const result = await execa(file, fullArgs, {
      reject: true,
      stdin: 'ignore',
      ...(signal === undefined ? {} : { cancelSignal: signal }),
    });
    return result.stdout;
  } catch (error) {
    signal?.throwIfAborted();
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') {
      throw new Error(
        `${file} not found: install GnuPG (Debian: apt-get install -y gnupg) or pass the gpgconf path`,
        { cause: error },
      );
    }
    const { exitCode, stderr } = error as { exitCode?: unknown; stderr?: unknown };
    const detail = typeof stderr === 'string' && stderr.trim() !== '' ? `: ${stderr.trim()}` : '';
    throw new Error(
      `${file} ${args.join(' ')} failed${typeof exitCode === 'number' ? ` with exit code ${exitCode}` : ''}${detail}`,
      { cause: error },
    );
  }
}

/**
 * Asks `gpgconf --list-dirs` where GnuPG keeps its files and sockets.
 *
 * @returns the directories by name, percent-escapes decoded, e.g.
 *   `{ homedir: '/home/u/.gnupg', 'agent-socket': '/run/user/1000/gnupg/S.gpg-agent', … }`.
 * @throws Error when gpgconf is missing or fails, or its output is malformed (see
 *   {@link parseGpgconfDirs}). On abort gpgconf is killed and the promise rejects with
 *   `signal.reason`.
 */
export async function listGpgDirs(options: GpgconfOptions = {}): Promise<Record<string, string>> {
  return parseGpgconfDirs(await runGpgconf(['--list-dirs'], options));
}
