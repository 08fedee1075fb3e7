import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './exec.js';
import { killAndWait } from './pid.js';
import type { SoftHsmToken } from './softhsm-token.js';
import { createTempDir } from './temp-dir.js';
import type { TempDir } from './temp-dir.js';
import { missingToolMessage, requireTool } from './tools.js';

/** `sun_path` holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

/** How long {@link startP11KitServer} waits for the socket to accept a connection. */
const START_TIMEOUT_MS = 10_000;

/** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
const STOP_GRACE_MS = 2_000;

/** How much of the server's stderr is kept for error messages. */
const MAX_STDERR_CHARS = 8_192;

/** The PKCS#11 modules the Debian package `p11-kit-modules` installs. */
export type P11KitModuleName = 'p11-kit-trust' | 'p11-kit-client';

/** Start of the Debian multiarch triplet (`/usr/lib/<triplet>/`) of each Node.js architecture. */
const MULTIARCH_PREFIXES: Partial<Record<NodeJS.Architecture, string>> = {
  arm: 'arm-',
  arm64: 'aarch64-',
  ia32: 'i386-',
  loong64: 'loongarch64-',
  ppc64: 'powerpc64le-',
  riscv64: 'riscv64-',
  s390x: 's390x-',
  x64: 'x86_64-',
};

async function isReadableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Asks pkg-config where p11-kit installs its modules (`p11_module_path` of `p11-kit-1.pc`). The
 * `.pc` file ships only with `libp11-kit-dev`, so this often answers nothing.
 */
async function pkgConfigModuleDirectory(): Promise<string | undefined> {
  let pkgConfig: string;
  try {
    pkgConfig = await requireTool('pkg-config', 'pkgconf');
  } catch {
    return undefined;
  }
  try {
    const { stdout } = await run(pkgConfig, ['--variable=p11_module_path', 'p11-kit-1'], {
      timeoutMs: 10_000,
    });
    const directory = stdout.trim();
    return isAbsolute(directory) ? directory : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Directories that may hold p11-kit's modules, most likely first: pkg-config's answer, the
 * multiarch directories of this process's architecture (Debian), then `/usr/lib64/pkcs11`
 * (Fedora) and `/usr/lib/pkcs11` (Arch). Multiarch directories of other architectures are left
 * out: a module of the wrong architecture cannot be loaded anyway.
 */
async function moduleDirectories(): Promise<string[]> {
  const directories: string[] = [];
  const fromPkgConfig = await pkgConfigModuleDirectory();
  if (fromPkgConfig !== undefined) directories.push(fromPkgConfig);
  let libEntries: string[] = [];
  try {
    libEntries = await readdir('/usr/lib');
  } catch {
    // No /usr/lib: only the fixed candidates below remain.
  }
  const prefix = MULTIARCH_PREFIXES[process.arch];
  const multiarch = libEntries
    .filter((entry) => /^[\w-]+-linux-[\w-]+$/.test(entry))
    .filter((entry) => prefix === undefined || entry.startsWith(prefix))
    .sort();
  directories.push(
    ...multiarch.map((entry) => `/usr/lib/${entry}/pkcs11`),
    '/usr/lib64/pkcs11',
    '/usr/lib/pkcs11',
  );
  return [...new Set(directories)];
}

/**
 * Finds one of p11-kit's own PKCS#11 modules: `p11-kit-trust.so` (the system trust store as a
 * read-only token, "System Trust" on Debian) or `p11-kit-client.so` (forwards to a
 * `p11-kit server` named by `P11_KIT_SERVER_ADDRESS`). Looks where
 * `pkg-config --variable=p11_module_path p11-kit-1` says, then in `/usr/lib/<multiarch>/pkcs11`
 * (Debian), `/usr/lib64/pkcs11` and `/usr/lib/pkcs11`.
 *
 * @returns the absolute path, e.g. `/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-trust.so`.
 * @throws Error naming the Debian package `p11-kit-modules` when the module is not installed.
 */
export async function requireP11KitModule(name: P11KitModuleName): Promise<string> {
  for (const directory of await moduleDirectories()) {
    const candidate = join(directory, `${name}.so`);
    if (await isReadableFile(candidate)) return candidate;
  }
  throw new Error(missingToolMessage(`${name}.so`, 'p11-kit-modules'));
}

/** A running `p11-kit server` that forwards one SoftHSM2 token over a private Unix socket. */
export interface P11KitServer extends AsyncDisposable {
  /** `P11_KIT_SERVER_ADDRESS` of the server: `unix:path=<socket>`. */
  readonly address: string;
  /** Absolute path of the Unix socket, inside a private `mkdtemp` directory of the server. */
  readonly socket: string;
  /** Absolute path of `p11-kit-client.so`, the module that talks to this server. */
  readonly clientModule: string;
  /**
   * Environment every process loading {@link clientModule} needs: `{ P11_KIT_SERVER_ADDRESS }`.
   * The client module reads the variable when it is loaded (`C_GetFunctionList`), so it must be
   * set before the process loads the module; setting it later has no effect.
   */
  readonly env: Readonly<Record<string, string>>;
  /** PKCS#11 URI of the forwarded token: `pkcs11:token=<label>` (percent-encoded). */
  readonly tokenUri: string;
  /** Pid of the server process (`p11-kit-server`, exec'd by `p11-kit server`). */
  readonly pid: number;
  /**
   * Stops the server. First ends (by pid) the `p11-kit-remote` children that serve connections
   * still open, e.g. a client that never called C_Finalize: the server does not end them itself.
   * Then SIGTERM, SIGKILL when the server has not exited after a grace period, and waits for its
   * exit; then removes the server's directory. Idempotent.
   *
   * @throws Error when a process is still running after SIGKILL.
   */
  stop(): Promise<void>;
}

/** Options of {@link startP11KitServer}. */
export interface P11KitServerOptions {
  /** The token to forward; the server runs with its environment (`SOFTHSM2_CONF`). */
  readonly token: SoftHsmToken;
  /** Aborts starting (the server is stopped, its directory removed) and rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/**
 * Percent-encodes every byte outside RFC 3986's unreserved characters (RFC 7512 §2.3 for
 * PKCS#11 URI values). With `keepSlash`, `/` stays as is (for the path of a server address).
 */
function percentEncode(value: string, keepSlash = false): string {
  const safe = keepSlash ? /[A-Za-z0-9\-._~/]/ : /[A-Za-z0-9\-._~]/;
  return [...new TextEncoder().encode(value)]
    .map((byte) =>
      safe.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

/** Whether something accepts connections on the Unix socket at `path`. */
function acceptsConnection(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      // The server forks a p11-kit-remote child for this connection; it exits on end-of-file.
      socket.end();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Pids whose parent is `parent` and whose command is `command`, from `/proc/<pid>/stat`. */
async function childPids(parent: number, command: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // `pid (comm) state ppid …`; comm may contain spaces and parentheses: split at the last `)`.
    const close = stat.lastIndexOf(')');
    const open = stat.indexOf('(');
    const [, ppid] = stat.slice(close + 2).split(' ');
    if (open >= 0 && stat.slice(open + 1, close) === command && Number(ppid) === parent) {
      pids.push(Number(entry));
    }
  }
  return pids;
}

class P11KitServerImpl implements P11KitServer {
  readonly address: string;
  readonly socket: string;
  readonly clientModule: string;
  readonly env: Readonly<Record<string, string>>;
  readonly tokenUri: string;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #dir: TempDir;
  readonly #exited: Promise<void>;
  readonly #closed: Promise<void>;
  #stderr = '';
  #stopping: Promise<void> | undefined;

  constructor(
    child: ChildProcess & { pid: number },
    dir: TempDir,
    socket: string,
    clientModule: string,
    tokenUri: string,
  ) {
    this.#child = child;
    this.#dir = dir;
    this.pid = child.pid;
    this.socket = socket;
    this.address = `unix:path=${percentEncode(socket, true)}`;
    this.env = Object.freeze({ P11_KIT_SERVER_ADDRESS: this.address });
    this.clientModule = clientModule;
    this.tokenUri = tokenUri;
    this.#exited = new Promise((resolve) => {
      if (this.#hasExited()) resolve();
      else
        child.once('exit', () => {
          resolve();
        });
    });
    this.#closed = new Promise((resolve) => {
      child.once('close', () => {
        resolve();
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-MAX_STDERR_CHARS);
    });
  }

  #hasExited(): boolean {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  #describeExit(): string {
    const { exitCode, signalCode } = this.#child;
    return exitCode === null
      ? `was killed by ${signalCode ?? 'a signal'}`
      : `exited with code ${exitCode}`;
  }

  #withStderr(message: string): string {
    const stderr = this.#stderr.trim();
    return stderr === '' ? `${message} (no stderr)` : `${message}; its stderr:\n${stderr}`;
  }

  /** Polls until the socket accepts a connection; fails when the server exits or time runs out. */
  async waitUntilReady(signal: AbortSignal | undefined): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      signal?.throwIfAborted();
      if (this.#hasExited()) {
        // 'exit' may come before the last stderr chunk: give the pipe a moment to drain.
        await Promise.race([this.#closed, sleep(500)]);
        throw new Error(
          this.#withStderr(
            `p11-kit server ${this.#describeExit()} before ${this.socket} accepted a connection`,
          ),
        );
      }
      if (await acceptsConnection(this.socket)) return;
      if (Date.now() >= deadline) {
        throw new Error(
          this.#withStderr(
            `p11-kit server (pid ${this.pid}) did not accept connections on ${this.socket} within ${START_TIMEOUT_MS} ms`,
          ),
        );
      }
      await sleep(20);
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    try {
      // Connection children first, while the server still reaps them: once it is gone they are
      // re-parented to pid 1, which in containers may never reap them (zombies).
      if (!this.#hasExited()) {
        const remotes = await childPids(this.pid, 'p11-kit-remote');
        await Promise.all(
          remotes.map((pid) => killAndWait(pid, { expectedCommand: 'p11-kit-remote' })),
        );
      }
      await this.#stopServer();
    } finally {
      await this.#dir.remove();
    }
  }

  /** Resolves true once the server has exited, false after `ms` milliseconds. */
  #waitForExit(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        resolve(false);
      }, ms);
      void this.#exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async #stopServer(): Promise<void> {
    if (this.#hasExited()) return;
    this.#child.kill('SIGTERM');
    if (await this.#waitForExit(STOP_GRACE_MS)) return;
    this.#child.kill('SIGKILL');
    if (await this.#waitForExit(2_000)) return;
    throw new Error(`p11-kit server (pid ${this.pid}) is still running after SIGKILL`);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * Starts `p11-kit server -f -n <socket> --provider <token.module> pkcs11:token=<label>` with the
 * token's environment, so that processes loading `p11-kit-client.so` with
 * `P11_KIT_SERVER_ADDRESS` set reach the SoftHSM2 token through p11-kit's RPC protocol. The
 * socket lives in a fresh `mkdtemp` directory (mode 0700); the server runs in the foreground as a
 * child of this process and forks one `p11-kit-remote` per connection. Resolves once the socket
 * accepts a connection.
 *
 * @throws Error naming the Debian package when `p11-kit` (`p11-kit`) or `p11-kit-client.so`
 *   (`p11-kit-modules`) is missing; Error when the socket path would exceed 107 bytes; Error
 *   with the server's stderr when it exits early or does not accept a connection within 10 s.
 *   On failure (and on abort, which rejects with `signal.reason`) the server is stopped and its
 *   directory removed.
 */
export async function startP11KitServer(options: P11KitServerOptions): Promise<P11KitServer> {
  const { token, signal } = options;
  const [p11kit, clientModule] = await Promise.all([
    requireTool('p11-kit', 'p11-kit'),
    requireP11KitModule('p11-kit-client'),
  ]);
  signal?.throwIfAborted();
  const dir = await createTempDir('kr-p11-');
  const socket = join(dir.path, 'pkcs11.sock');
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
    await dir.remove();
    throw new Error(
      `p11-kit server socket path ${socket} is longer than ${MAX_SOCKET_PATH_BYTES} bytes: set TMPDIR to a short directory`,
    );
  }
  const tokenUri = `pkcs11:token=${percentEncode(token.label)}`;
  let child: ChildProcess;
  try {
    child = spawn(p11kit, ['server', '-f', '-n', socket, '--provider', token.module, tokenUri], {
      cwd: dir.path,
      env: { ...process.env, ...token.env },
      // stdout only repeats the address in `sh` syntax; stderr is kept for error messages.
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    await dir.remove();
    throw error;
  }
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  if (child.pid === undefined) {
    await dir.remove();
    throw new Error(`could not start ${p11kit} server: ${(await spawnError).message}`);
  }
  const server = new P11KitServerImpl(
    child as ChildProcess & { pid: number },
    dir,
    socket,
    clientModule,
    tokenUri,
  );
  try {
    await server.waitUntilReady(signal);
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}
