/**
 * Runs the built `keyroute` command line (bin/keyroute.js → dist/cli/main.js) in child
 * processes, and a gateway started by `keyroute serve --config` in another.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { hashToken, newToken } from '../../src/auth/tokens.js';

/** The bin of the package, as `npm install` links it. */
export const BIN = resolve(import.meta.dirname, '../../bin/keyroute.js');
const DIST_MAIN = resolve(import.meta.dirname, '../../dist/cli/main.js');

/** Fails with a clear message when the CLI was not built. */
export async function requireBuiltCli(): Promise<void> {
  try {
    await access(DIST_MAIN);
  } catch {
    throw new Error(`${DIST_MAIN} is missing: run "npm run build" in apps/gateway first`);
  }
}

/** The environment of a CLI run: this process's, without any KEYROUTE_* variable. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('KEYROUTE_')) env[name] = value;
  }
  return { ...env, ...extra };
}

/** What one CLI run did. */
export interface CliRun {
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** stdout as UTF-8. */
  readonly text: string;
}

/** Options of {@link runCli}. */
export interface RunOptions {
  readonly env?: Record<string, string>;
  /** Bytes or a file for stdin. */
  readonly input?: Uint8Array | string;
  readonly inputFile?: string;
}

/** Runs `keyroute <args>` to completion. */
export async function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const result = await execa(process.execPath, [BIN, ...args], {
    env: options.env ?? cleanEnv(),
    extendEnv: false,
    reject: false,
    encoding: 'buffer',
    stripFinalNewline: false,
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.inputFile === undefined ? {} : { inputFile: options.inputFile }),
    ...(options.input === undefined && options.inputFile === undefined ? { stdin: 'ignore' } : {}),
  });
  const stdout = Buffer.from(result.stdout);
  return {
    exitCode: result.exitCode ?? -1,
    stdout,
    stderr: Buffer.from(result.stderr).toString('utf8'),
    text: stdout.toString('utf8'),
  };
}

/**
 * Runs `keyroute <args>` under `/usr/bin/time -v` and reads the peak resident set size (VmHWM)
 * it reports, in bytes.
 */
export async function runCliMeasured(
  args: readonly string[],
  options: RunOptions = {},
): Promise<CliRun & { peakRssBytes: number }> {
  const result = await execa('/usr/bin/time', ['-v', process.execPath, BIN, ...args], {
    env: options.env ?? cleanEnv(),
    extendEnv: false,
    reject: false,
    encoding: 'buffer',
    stdin: 'ignore',
  });
  const stderr = Buffer.from(result.stderr).toString('utf8');
  const peak = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
  if (peak === undefined) throw new Error(`/usr/bin/time reported no peak RSS:\n${stderr}`);
  const stdout = Buffer.from(result.stdout);
  return {
    exitCode: result.exitCode ?? -1,
    stdout,
    stderr,
    text: stdout.toString('utf8'),
    peakRssBytes: Number(peak) * 1024,
  };
}

/**
 * Disposes what a test file set up, last first, each step even when an earlier one failed;
 * registering resources as they are made means a half-finished `beforeAll` leaks nothing.
 */
export class Cleanup {
  readonly #steps: (() => Promise<unknown>)[] = [];

  /** Registers `dispose` for `resource` and returns the resource. */
  add<T>(resource: T, dispose: (resource: T) => Promise<unknown>): T {
    this.#steps.push(() => dispose(resource));
    return resource;
  }

  /** Runs every step, last registered first; rethrows the failures at the end. */
  async run(): Promise<void> {
    const failures: unknown[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'cleanup failed');
  }
}

/** A short private temporary directory (Unix socket paths must stay under 107 bytes). */
export async function shortTempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp('/tmp/krc-');
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** An app of the test gateway and its token. */
export interface TestApp {
  readonly name: string;
  readonly token: string;
  readonly ops: readonly string[];
}

/** A gateway in a child process (`keyroute serve --config`). */
export interface ChildGateway {
  readonly socket: string;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly apps: Readonly<Record<string, TestApp>>;
  stop(): Promise<void>;
}

/**
 * Starts `keyroute serve --config` over one OpenPGP keystore, listening on a socket in `dir`
 * and on a free loopback port, with one app per entry of `apps` (its ops on every key).
 */
export async function startChildGateway(
  dir: string,
  keystore: string,
  apps: Readonly<Record<string, readonly string[]>>,
): Promise<ChildGateway> {
  const made: Record<string, TestApp> = {};
  for (const [name, ops] of Object.entries(apps)) made[name] = { name, token: newToken(), ops };
  const socket = join(dir, 'k.sock');
  const config = {
    dataDir: dir,
    listen: { socket, http: '127.0.0.1:0' },
    providers: [{ id: 'pgp', type: 'openpgp', dir: keystore }],
    apps: Object.values(made).map((app) => ({
      name: app.name,
      token: { sha256: hashToken(app.token) },
      allow: [{ keys: ['*'], ops: app.ops }],
    })),
    audit: { path: join(dir, 'audit.log') },
  };
  const configPath = join(dir, 'gateway.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const child = execa(process.execPath, [BIN, 'serve', '--config', configPath], {
    env: cleanEnv(),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
    buffer: false,
  });
  const port = await new Promise<number>((resolvePort, rejectPort) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      rejectPort(new Error(`the gateway did not start within 20 s:\n${seen}`));
    }, 20_000);
    child.stderr.on('data', (chunk: Buffer) => {
      // Keeps reading the log (the pipe must not fill up); remembers its start for errors.
      if (seen.length > 64 * 1024) return;
      seen += chunk.toString('utf8');
      const line = seen.split('\n').find((text) => text.includes('keyroute gateway serving'));
      if (line === undefined) return;
      clearTimeout(timer);
      const record = JSON.parse(line) as { addresses: { http?: { port: number } } };
      resolvePort(record.addresses.http?.port ?? 0);
    });
    void child.then((result) => {
      clearTimeout(timer);
      // Lets the last of its stderr arrive first.
      setTimeout(() => {
        rejectPort(new Error(`the gateway exited (${String(result.exitCode)}):\n${seen}`));
      }, 100);
    });
  });
  return {
    socket,
    url: `http://127.0.0.1:${port}`,
    apps: made,
    async stop() {
      child.kill('SIGTERM');
      await child;
    },
  };
}

/** The SHA-256 of a file, hashed while it streams. */
export async function sha256OfFile(path: string): Promise<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 2 ** 20 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest();
}

/** Reads a whole small file. */
export function readBytes(path: string): Promise<Buffer> {
  return readFile(path);
}
