import { spawn, type ChildProcess } from 'node:child_process';
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The `keyroute` command (it runs the compiled dist/, see `npm run build`). */
export const KEYROUTE_BIN = fileURLToPath(new URL('../../bin/keyroute.js', import.meta.url));
const DIST_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Fails with what to do when the gateway has not been built. */
export async function requireBuiltCli(): Promise<void> {
  try {
    await access(DIST_MAIN);
  } catch {
    throw new Error(
      `${DIST_MAIN} is missing: the keyroute bin runs the compiled gateway; build it first ` +
        '(npm run build -w @keyroute/gateway, or npm run build at the repository root)',
    );
  }
}

/** How a process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Environment for the gateway: this one, without a data dir that could redirect it. */
function childEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env['KEYROUTE_DATA_DIR'];
  return env;
}

/**
 * A `keyroute` process: its output is collected, and it is killed (by its pid) on dispose if
 * still running.
 */
export class KeyrouteProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
  }

  /** Starts `keyroute <args>`. */
  static start(
    args: readonly string[],
    options: { cwd: string; env?: Readonly<Record<string, string>> },
  ): KeyrouteProcess {
    const child = spawn(process.execPath, [KEYROUTE_BIN, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new KeyrouteProcess(child);
  }

  /** Runs `keyroute <args>` to its end. */
  static async run(
    args: readonly string[],
    options: { cwd: string },
  ): Promise<{ exit: Exit; stdout: string; stderr: string }> {
    const child = KeyrouteProcess.start(args, options);
    const exit = await child.exited;
    return { exit, stdout: child.stdout, stderr: child.stderr };
  }

  get pid(): number {
    const { pid } = this.#child;
    if (pid === undefined) throw new Error('keyroute did not start');
    return pid;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** The pino records written to stderr so far. */
  logRecords(): { msg?: string; level?: number; [key: string]: unknown }[] {
    return this.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; level?: number });
  }

  /** How many log records have this message. */
  countLogs(message: string): number {
    return this.logRecords().filter((record) => record.msg === message).length;
  }

  /** Waits until `count` log records with this message were written (fails if it exits first). */
  async waitForLog(message: string, count = 1, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.countLogs(message) < count) {
      if (!this.running) {
        throw new Error(
          `keyroute exited (${JSON.stringify(this.#exit)}) before logging "${message}":\n${this.stderr}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `keyroute did not log "${message}" within ${timeoutMs} ms:\n${this.stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends a signal to the process (by its pid). */
  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /** Waits for the end, failing after `timeoutMs`. */
  async waitForExit(timeoutMs = 15_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`keyroute did not exit within ${timeoutMs} ms:\n${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the process if it still runs: SIGKILL, by pid. */
  async dispose(): Promise<void> {
    if (this.running) {
      this.#child.kill('SIGKILL');
      await this.exited;
    }
  }
}
