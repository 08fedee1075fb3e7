import type { AssuanConnection } from '@keyroute/assuan';
import { ProviderError } from '@keyroute/core';
import { isConnectionBroken } from './errors.js';

/** Options of {@link AgentPool}. */
export interface AgentPoolOptions {
  /** Provider id, for errors. */
  readonly provider: string;
  /** Most connections at once. */
  readonly size: number;
  /**
   * Opens one connection to the agent (launching it when configured); rejects with a
   * `ProviderError` (`UNAVAILABLE`) or the signal's reason.
   */
  readonly connect: (signal: AbortSignal | undefined) => Promise<AssuanConnection>;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** How long dispose waits for each connection's `BYE`. */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * A bounded pool of agent connections. Each connection runs one operation at a time (SIGKEY and
 * SETKEY are per-connection state); a connection that broke (protocol error, closed because the
 * agent stopped or a call was aborted mid-command) is dropped, and the next acquire opens a new
 * one, so a restarted agent is picked up without intervention.
 */
export class AgentPool {
  readonly #options: AgentPoolOptions;
  readonly #idle: AssuanConnection[] = [];
  readonly #all = new Set<AssuanConnection>();
  readonly #waiters: Waiter[] = [];
  /** Connections open or being opened. */
  #count = 0;
  #disposed = false;

  constructor(options: AgentPoolOptions) {
    this.#options = options;
  }

  /**
   * Runs `work` on a connection of its own. Rejects with `signal.reason` when aborted while
   * waiting for a connection, with `UNAVAILABLE` after dispose, and with whatever `work` throws.
   */
  async use<T>(
    work: (connection: AssuanConnection) => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const connection = await this.#acquire(signal);
    let broken = false;
    try {
      return await work(connection);
    } catch (error) {
      broken = isConnectionBroken(error);
      throw error;
    } finally {
      this.#release(connection, broken);
    }
  }

  /** Says `BYE` on every connection and refuses further use; idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#disposedError());
    const connections = [...this.#all];
    this.#idle.length = 0;
    this.#all.clear();
    await Promise.allSettled(
      connections.map((connection) =>
        connection.close({ signal: AbortSignal.timeout(CLOSE_TIMEOUT_MS) }),
      ),
    );
  }

  #disposedError(): ProviderError {
    return new ProviderError('UNAVAILABLE', `provider "${this.#options.provider}" is disposed`, {
      provider: this.#options.provider,
    });
  }

  async #acquire(signal: AbortSignal | undefined): Promise<AssuanConnection> {
    for (;;) {
      if (this.#disposed) throw this.#disposedError();
      signal?.throwIfAborted();
      const idle = this.#idle.pop();
      if (idle !== undefined) {
        if (!idle.closed) return idle;
        this.#forget(idle);
        continue;
      }
      if (this.#count < this.#options.size) return this.#open(signal);
      await this.#wait(signal);
    }
  }

  async #open(signal: AbortSignal | undefined): Promise<AssuanConnection> {
    this.#count += 1;
    let connection: AssuanConnection;
    try {
      connection = await this.#options.connect(signal);
    } catch (error) {
      this.#count -= 1;
      this.#wake();
      throw error;
    }
    if (this.#disposed) {
      this.#count -= 1;
      await connection.close().catch(() => undefined);
      throw this.#disposedError();
    }
    this.#all.add(connection);
    // Passphrases then come to us as INQUIRE PASSPHRASE; without it the connection still
    // serves unprotected keys, so a refusal is not fatal.
    await connection.transact('OPTION', 'pinentry-mode=loopback').catch(() => undefined);
    return connection;
  }

  #release(connection: AssuanConnection, broken: boolean): void {
    if (this.#disposed) {
      void connection.close().catch(() => undefined);
    } else if (broken || connection.closed) {
      if (!connection.closed) connection.destroy();
      this.#forget(connection);
    } else {
      this.#idle.push(connection);
    }
    this.#wake();
  }

  #forget(connection: AssuanConnection): void {
    if (this.#all.delete(connection)) this.#count -= 1;
  }

  #wake(): void {
    this.#waiters.shift()?.resolve();
  }

  #wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }
}
