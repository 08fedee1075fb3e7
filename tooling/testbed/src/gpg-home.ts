import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, runBinary } from './exec.js';
import type { RunOptions } from './exec.js';
import { parseColonKeyListing } from './gpg-colons.js';
import type { ColonKeyBase, ColonPrimaryKey } from './gpg-colons.js';
import { DEFAULT_GPG_KEYS, gpgKeyTypeOf, userIdOf, validateGpgKeySpecs } from './gpg-keys.js';
import type { GpgKeySpec, GpgKeyType } from './gpg-keys.js';
import { isProcessRunning, killAndWait } from './pid.js';
import { createTempDir } from './temp-dir.js';
import type { TempDir } from './temp-dir.js';
import { requireTool } from './tools.js';

/** `sun_path` holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

/** One primary key or subkey generated in a {@link GpgHome}. */
export interface GpgTestKey {
  /** {@link GpgKeySpec.name} of the spec this key was generated from. */
  readonly spec: string;
  readonly role: 'primary' | 'subkey';
  readonly type: GpgKeyType;
  /** Keygrip as `gpg --with-keygrip` prints it (40 upper-case hex digits): the agent's key name. */
  readonly keygrip: string;
  /** Fingerprint of this (sub)key, upper-case hex. */
  readonly fingerprint: string;
  /** Long key id, 16 upper-case hex digits. */
  readonly keyId: string;
  /** Fingerprint of the primary key (equal to `fingerprint` for the primary itself). */
  readonly primaryFingerprint: string;
  /** User ID of the key, e.g. `ed25519 <ed25519@keyroute.test>`. */
  readonly userId: string;
  /** Capability letters of this (sub)key from the colon listing: `sc` for primaries, `e` for subkeys. */
  readonly usage: string;
  /** Passphrase protecting the key; present only for protected keys. */
  readonly passphrase?: string;
}

/** A throw-away GNUPGHOME with a running gpg-agent and generated keys. */
export interface GpgHome extends AsyncDisposable {
  /** The GNUPGHOME directory, a fresh `mkdtemp` directory such as `/tmp/kr-AbC123`. */
  readonly homedir: string;
  /** Environment to pass to child processes: `{ GNUPGHOME }`. */
  readonly env: Readonly<Record<string, string>>;
  /** Path of the agent's socket, from `gpgconf --list-dirs agent-socket`. */
  readonly agentSocket: string;
  /** Pid of the gpg-agent this home started; undefined while it is stopped. */
  readonly agentPid: number | undefined;
  /** The generated keys, in spec order, each primary followed by its subkey. */
  readonly keys: readonly GpgTestKey[];
  /**
   * Runs `gpg --homedir <homedir> --batch --no-tty <args>`.
   *
   * @returns stdout and stderr as text.
   * @throws Error naming the command (passphrases redacted), the exit code and stderr when gpg
   *   fails; rejects with `signal.reason` when `options.signal` aborts.
   */
  gpg(
    args: readonly string[],
    options?: { input?: string | Uint8Array; signal?: AbortSignal },
  ): Promise<{ stdout: string; stderr: string }>;
  /**
   * Exports the public key (binary OpenPGP certificate, `gpg --export`) of a key spec.
   *
   * @throws Error when no key spec of that name exists in this home.
   */
  exportPublicKey(specName: string): Promise<Uint8Array>;
  /** Launches the agent (`gpgconf --launch gpg-agent`) and records its pid; no-op when running. */
  startAgent(): Promise<void>;
  /**
   * Stops the agent by pid (the recorded one, or one gpg auto-started on this home's socket) and
   * waits until it is gone; no-op when none runs.
   */
  stopAgent(): Promise<void>;
  /** Stops the daemons of this home and removes its directory; idempotent. */
  dispose(): Promise<void>;
}

/** Options of {@link createGpgHome}. */
export interface GpgHomeOptions {
  /** Keys to generate, {@link DEFAULT_GPG_KEYS} by default; pass a subset to go faster. */
  readonly keys?: readonly GpgKeySpec[];
  /**
   * How long gpg-agent caches a passphrase once it was used (`default-cache-ttl` and
   * `max-cache-ttl`). 0 by default: every operation on a protected key needs its passphrase, so
   * a test's outcome never depends on what an earlier test unlocked.
   */
  readonly passphraseCacheSeconds?: number;
  /** Aborts creation (the partial home is removed) and rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

interface GpgTools {
  readonly gpg: string;
  readonly gpgconf: string;
  readonly connectAgent: string;
  readonly pinentry: string;
}

/** Parses the `D <pid>` line of `gpg-connect-agent 'GETINFO pid' /bye`. */
function parsePidReply(stdout: string): number | undefined {
  const match = /^D (\d+)$/m.exec(stdout);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Parses `[GNUPG:] KEY_CREATED <P|B|S> <fingerprint>` from `--status-fd` output. */
function parseKeyCreated(statusOutput: string, kinds: readonly string[]): string {
  for (const line of statusOutput.split('\n')) {
    const [prefix, keyword, kind, fingerprint] = line.trimEnd().split(' ');
    if (
      prefix === '[GNUPG:]' &&
      keyword === 'KEY_CREATED' &&
      kind !== undefined &&
      kinds.includes(kind) &&
      fingerprint !== undefined &&
      /^[0-9A-F]{40}$/.test(fingerprint)
    ) {
      return fingerprint;
    }
  }
  throw new Error(`gpg reported no KEY_CREATED ${kinds.join('|')} status line`);
}

function usageOf(key: ColonKeyBase): string {
  return key.capabilities.replace(/[^a-z]/g, '');
}

class GpgHomeImpl implements GpgHome {
  readonly homedir: string;
  readonly env: Readonly<Record<string, string>>;
  agentSocket = '';
  keys: readonly GpgTestKey[] = [];
  #agentPid: number | undefined;
  readonly #dir: TempDir;
  readonly #tools: GpgTools;
  #disposal: Promise<void> | undefined;

  constructor(dir: TempDir, tools: GpgTools) {
    this.#dir = dir;
    this.#tools = tools;
    this.homedir = dir.path;
    this.env = Object.freeze({ GNUPGHOME: dir.path });
  }

  get agentPid(): number | undefined {
    return this.#agentPid;
  }

  async #run(
    file: string,
    args: readonly string[],
    options: Omit<RunOptions, 'env'> = {},
  ): Promise<{ stdout: string; stderr: string }> {
    if (this.#disposal !== undefined) throw new Error(`gpg home ${this.homedir} is disposed`);
    return run(file, args, { ...options, env: this.env });
  }

  #gpgArgs(args: readonly string[]): string[] {
    return ['--homedir', this.homedir, '--batch', '--no-tty', ...args];
  }

  gpg(
    args: readonly string[],
    options: { input?: string | Uint8Array; signal?: AbortSignal } = {},
  ): Promise<{ stdout: string; stderr: string }> {
    return this.#run(this.#tools.gpg, this.#gpgArgs(args), options);
  }

  async exportPublicKey(specName: string): Promise<Uint8Array> {
    const primary = this.keys.find((key) => key.spec === specName && key.role === 'primary');
    if (primary === undefined) {
      const names = [...new Set(this.keys.map((key) => `"${key.spec}"`))].join(', ');
      throw new Error(
        `gpg home ${this.homedir} has no key spec "${specName}": specs present: ${names}`,
      );
    }
    if (this.#disposal !== undefined) throw new Error(`gpg home ${this.homedir} is disposed`);
    const { stdout } = await runBinary(
      this.#tools.gpg,
      this.#gpgArgs(['--export', primary.primaryFingerprint]),
      { env: this.env },
    );
    if (stdout.length === 0) {
      throw new Error(`gpg --export ${primary.primaryFingerprint} was empty`);
    }
    return stdout;
  }

  /** Asks the daemon listening on this home's socket for its pid, without starting one. */
  async #livePid(daemon: 'agent' | 'dirmngr'): Promise<number | undefined> {
    const args = ['--homedir', this.homedir, '--no-autostart'];
    if (daemon === 'dirmngr') args.push('--dirmngr');
    // Exits 0 with "no gpg-agent running" on stderr when nothing listens.
    const { stdout } = await run(this.#tools.connectAgent, [...args, 'GETINFO pid', '/bye'], {
      env: this.env,
    });
    return parsePidReply(stdout);
  }

  async startAgent(signal?: AbortSignal): Promise<void> {
    if (this.#agentPid !== undefined && (await isProcessRunning(this.#agentPid))) return;
    await this.#run(this.#tools.gpgconf, ['--homedir', this.homedir, '--launch', 'gpg-agent'], {
      signal,
    });
    const pid = await this.#livePid('agent');
    if (pid === undefined) {
      throw new Error(
        `gpg-agent did not answer GETINFO pid after gpgconf --launch in ${this.homedir}`,
      );
    }
    this.#agentPid = pid;
  }

  async stopAgent(): Promise<void> {
    const pids = new Set<number>();
    if (this.#agentPid !== undefined) pids.add(this.#agentPid);
    // gpg auto-starts an agent when it finds none; one on this home's private socket is ours too.
    const live = await this.#livePid('agent');
    if (live !== undefined) pids.add(live);
    for (const pid of pids) await killAndWait(pid, { expectedCommand: 'gpg-agent' });
    this.#agentPid = undefined;
  }

  dispose(): Promise<void> {
    this.#disposal ??= this.#dispose();
    return this.#disposal;
  }

  async #dispose(): Promise<void> {
    try {
      await this.stopAgent();
      const dirmngr = await this.#livePid('dirmngr');
      if (dirmngr !== undefined) await killAndWait(dirmngr, { expectedCommand: 'dirmngr' });
      if (this.agentSocket !== '' && !this.agentSocket.startsWith(`${this.homedir}/`)) {
        // With /run/user/$UID the sockets live in a per-home directory there: remove it too.
        await run(this.#tools.gpgconf, ['--homedir', this.homedir, '--remove-socketdir'], {
          env: this.env,
        });
      }
    } finally {
      await this.#dir.remove();
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /** Writes the agent configuration: loopback passphrases, and no pinentry that could hang. */
  async configure(passphraseCacheSeconds: number): Promise<void> {
    if (!Number.isSafeInteger(passphraseCacheSeconds) || passphraseCacheSeconds < 0) {
      throw new Error(
        `passphraseCacheSeconds must be a non-negative integer, got ${passphraseCacheSeconds}`,
      );
    }
    const conf = [
      '# written by @keyroute/testbed',
      'allow-loopback-pinentry',
      // A pinentry that fails at once: anything asking for a passphrase without
      // `--pinentry-mode loopback` fails with "No pinentry" instead of hanging. Loopback does not
      // start a pinentry, so it keeps working.
      `pinentry-program ${this.#tools.pinentry}`,
      // No smartcard daemon: one fewer daemon to stop, and no grabbing of real card readers.
      'disable-scdaemon',
      // The smallest S2K count gpg-agent accepts: protecting and unlocking a key takes
      // milliseconds instead of ~1 s (the calibrated default), and keys are still protected.
      's2k-count 65536',
      `default-cache-ttl ${passphraseCacheSeconds}`,
      `max-cache-ttl ${passphraseCacheSeconds}`,
      '',
    ].join('\n');
    await writeFile(join(this.homedir, 'gpg-agent.conf'), conf, { mode: 0o600 });
  }

  async readSocketPath(signal: AbortSignal | undefined): Promise<void> {
    const { stdout } = await this.#run(
      this.#tools.gpgconf,
      ['--homedir', this.homedir, '--list-dirs', 'agent-socket'],
      { signal },
    );
    const socket = stdout.trim();
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
      throw new Error(
        `gpg-agent socket path ${socket} is longer than ${MAX_SOCKET_PATH_BYTES} bytes: set TMPDIR to a short directory`,
      );
    }
    this.agentSocket = socket;
  }

  /** Generates one spec's primary key (and subkey); returns the primary fingerprint. */
  async generate(spec: GpgKeySpec, signal: AbortSignal | undefined): Promise<string> {
    // The passphrase goes through stdin, never argv (argv shows up in ps and error messages).
    const common = [
      '--pinentry-mode',
      'loopback',
      '--passphrase-fd',
      '0',
      '--status-fd',
      '1',
    ] as const;
    const input = `${spec.passphrase ?? ''}\n`;
    const created = await this.gpg(
      [...common, '--quick-gen-key', userIdOf(spec), spec.primary, 'sign', 'never'],
      { input, ...(signal === undefined ? {} : { signal }) },
    );
    const fingerprint = parseKeyCreated(created.stdout, ['P', 'B']);
    if (spec.subkey !== undefined) {
      const added = await this.gpg(
        [...common, '--quick-add-key', fingerprint, spec.subkey, 'encr', 'never'],
        { input, ...(signal === undefined ? {} : { signal }) },
      );
      parseKeyCreated(added.stdout, ['S']);
    }
    return fingerprint;
  }

  /** Lists the secret keys and checks each generated key against its spec. */
  async collectKeys(specs: readonly { spec: GpgKeySpec; fingerprint: string }[]): Promise<void> {
    const { stdout } = await this.gpg(['--with-colons', '--with-keygrip', '--list-secret-keys']);
    const listed = new Map<string, ColonPrimaryKey>(
      parseColonKeyListing(stdout).map((key) => [key.fingerprint, key]),
    );
    const keys: GpgTestKey[] = [];
    for (const { spec, fingerprint } of specs) {
      const primary = listed.get(fingerprint);
      if (primary?.record !== 'sec' || primary.token !== '+') {
        throw new Error(
          `generated key ${fingerprint} ("${spec.name}") is not listed as a secret key`,
        );
      }
      const userId = primary.userIds[0];
      if (userId === undefined) throw new Error(`generated key "${spec.name}" has no user ID`);
      const expected = spec.subkey === undefined ? [] : [spec.subkey];
      if (primary.subkeys.length !== expected.length) {
        throw new Error(
          `generated key "${spec.name}" has ${primary.subkeys.length} subkeys, expected ${expected.length}`,
        );
      }
      const entries: [ColonKeyBase, GpgKeyType, 'primary' | 'subkey'][] = [
        [primary, spec.primary, 'primary'],
        ...primary.subkeys.map((subkey, i): [ColonKeyBase, GpgKeyType, 'subkey'] => [
          subkey,
          expected[i] as GpgKeyType,
          'subkey',
        ]),
      ];
      for (const [key, type, role] of entries) {
        if (gpgKeyTypeOf(key) !== type) {
          throw new Error(
            `generated ${role} of "${spec.name}" is algo ${key.algorithm}/${key.length}/${key.curve ?? '-'}, expected ${type}`,
          );
        }
        if (key.keygrip === undefined) throw new Error(`no keygrip listed for ${key.fingerprint}`);
        keys.push({
          spec: spec.name,
          role,
          type,
          keygrip: key.keygrip,
          fingerprint: key.fingerprint,
          keyId: key.keyId,
          primaryFingerprint: primary.fingerprint,
          userId,
          usage: usageOf(key),
          ...(spec.passphrase === undefined ? {} : { passphrase: spec.passphrase }),
        });
      }
    }
    this.keys = Object.freeze(keys);
  }
}

/**
 * Creates a fresh GNUPGHOME (its own `mkdtemp` directory, so parallel suites never share a home
 * or socket), writes `gpg-agent.conf` (loopback pinentry allowed, a failing pinentry so nothing
 * waits for a passphrase prompt, no scdaemon, minimal S2K count, no passphrase cache by default),
 * launches gpg-agent and generates the keys with
 * `gpg --quick-gen-key` / `--quick-add-key`. Keys are generated one after the other: gpg holds
 * the keyring lock for each call, and each call takes well under a second.
 *
 * @throws Error naming the Debian package when gpg, gpgconf, gpg-connect-agent or gpg-agent is
 *   missing; Error from gpg when a key cannot be generated. On any failure (and on abort, which
 *   rejects with `signal.reason`) the agent is stopped and the directory removed.
 */
export async function createGpgHome(options: GpgHomeOptions = {}): Promise<GpgHome> {
  const specs = options.keys ?? DEFAULT_GPG_KEYS;
  validateGpgKeySpecs(specs);
  const [gpg, gpgconf, connectAgent, , pinentry] = await Promise.all([
    requireTool('gpg', 'gnupg'),
    requireTool('gpgconf', 'gnupg'),
    requireTool('gpg-connect-agent', 'gnupg'),
    requireTool('gpg-agent', 'gnupg'),
    requireTool('false', 'coreutils'),
  ]);
  const { signal } = options;
  signal?.throwIfAborted();
  const home = new GpgHomeImpl(await createTempDir(), { gpg, gpgconf, connectAgent, pinentry });
  try {
    await home.configure(options.passphraseCacheSeconds ?? 0);
    await home.readSocketPath(signal);
    await home.startAgent(signal);
    const generated: { spec: GpgKeySpec; fingerprint: string }[] = [];
    for (const spec of specs) {
      generated.push({ spec, fingerprint: await home.generate(spec, signal) });
    }
    await home.collectKeys(generated);
    return home;
  } catch (error) {
    await home.dispose();
    throw error;
  }
}
