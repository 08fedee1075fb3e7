import { ProviderError, raceAbort } from '@keyroute/core';
import type { PKCS11 } from 'pkcs11js';
import { failedWith, toProviderError } from '../errors.js';
import { CKF } from '../native/constants.js';
import { CKR } from '../native/return-codes.js';

/** Options of a {@link SessionPool}. */
export interface SessionPoolOptions {
  /** The module's binding. */
  readonly pkcs11: PKCS11;
  /** The slot of the token. */
  readonly slot: Buffer;
  /** Most sessions open at once (the token's limit and the configured pool size). */
  readonly size: number;
  /** Provider id, for errors. */
  readonly provider: string;
  /** The token, for messages (`"keyroute" (serial …)`). */
  readonly tokenName: string;
  /**
   * Decides whether a session that failed with `error` must be closed instead of reused
   * (its handle is invalid, the device was removed, …).
   */
  readonly isBroken: (error: unknown) => boolean;
}

const closedErrors = new WeakSet<object>();

/**
 * True for the `UNAVAILABLE` error a pool gives to requests it could not serve because it was
 * closed (the token was lost or the module is being reset): such a request may be run again.
 */
export function isPoolClosedError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && closedErrors.has(error);
}

interface Waiter {
  readonly resolve: (session: Buffer) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/** Read-only serial sessions: signing, decrypting and deriving session objects need no more. */
const SESSION_FLAGS = CKF.SERIAL_SESSION;

/**
 * The sessions of one token: at most `size` open, each lent to one operation at a time (so a
 * module never sees two operations on one session — `CKR_OPERATION_ACTIVE`), given back on
 * every path, closed when broken. Waiters are served first in, first out; an aborted waiter
 * leaves the queue.
 *
 * Sessions open on demand with `C_OpenSession` (synchronous, cheap) and are reused, so once the
 * pool is warm a request makes no synchronous session call. When the token refuses another
 * session (`CKR_SESSION_COUNT`, other applications hold them) the pool shrinks to what it has
 * and requests wait for a free one.
 */
export class SessionPool {
  readonly #options: SessionPoolOptions;
  readonly #idle: Buffer[] = [];
  readonly #busy = new Set<Buffer>();
  readonly #waiters: Waiter[] = [];
  #capacity: number;
  #closed = false;
  #drained: (() => void) | undefined;

  constructor(options: SessionPoolOptions) {
    this.#options = options;
    this.#capacity = options.size;
  }

  /** Sessions open now (idle and lent). */
  get openSessions(): number {
    return this.#idle.length + this.#busy.size;
  }

  /** Sessions lent to operations now. */
  get busySessions(): number {
    return this.#busy.size;
  }

  /** Requests waiting for a session now. */
  get waitingRequests(): number {
    return this.#waiters.length;
  }

  /** Most sessions the pool will open (lowered when the token refused one). */
  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Runs `work` with a session of its own, waiting for one when all are lent. An abort while
   * waiting rejects with `signal.reason`; an abort while `work` runs rejects at once too, and the
   * session comes back to the pool when the native call ends (a PKCS#11 call cannot be stopped).
   */
  async use<T>(work: (session: Buffer) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const session = await this.#acquire(signal);
    const running = work(session);
    running.then(
      () => {
        this.#release(session, false);
      },
      (error: unknown) => {
        this.#release(session, this.#options.isBroken(error));
      },
    );
    return raceAbort(running, signal);
  }

  /**
   * Lends a session at once when one is idle (or may be opened), else undefined: the hot path
   * takes it without a promise. Give it back with {@link release} on every path.
   */
  tryAcquire(): Buffer | undefined {
    if (this.#closed || this.#waiters.length > 0) return undefined;
    const idle = this.#idle.pop();
    if (idle !== undefined) {
      this.#busy.add(idle);
      return idle;
    }
    return undefined;
  }

  /** Gives back a session from {@link tryAcquire}; `broken` closes it instead of reusing it. */
  release(session: Buffer, broken: boolean): void {
    this.#release(session, broken);
  }

  /**
   * Stops lending: waiters and later calls reject with `UNAVAILABLE`, idle sessions close now,
   * lent ones when their operation ends. Resolves once every session is closed.
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const waiter of this.#waiters.splice(0)) {
        waiter.signal?.removeEventListener('abort', waiter.onAbort);
        waiter.reject(this.#closedError());
      }
      for (const session of this.#idle.splice(0)) this.#closeSession(session);
    }
    if (this.#busy.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = resolve;
    });
  }

  #closedError(): ProviderError {
    const error = new ProviderError(
      'UNAVAILABLE',
      `the sessions of token ${this.#options.tokenName} are closed`,
      { provider: this.#options.provider },
    );
    closedErrors.add(error);
    return error;
  }

  #acquire(signal: AbortSignal | undefined): Promise<Buffer> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (this.#closed) return Promise.reject(this.#closedError());
    const idle = this.#idle.pop();
    if (idle !== undefined) {
      this.#busy.add(idle);
      return Promise.resolve(idle);
    }
    if (this.openSessions < this.#capacity) {
      try {
        const session = this.#openSession();
        this.#busy.add(session);
        return Promise.resolve(session);
      } catch (error) {
        // Another application holds the token's last sessions: wait for one of ours instead.
        if (!failedWith(error, CKR.SESSION_COUNT) || this.openSessions === 0) {
          return Promise.reject(
            toProviderError(error, {
              provider: this.#options.provider,
              operation: `open a session on token ${this.#options.tokenName}`,
            }),
          );
        }
        this.#capacity = this.openSessions;
      }
    }
    return this.#wait(signal);
  }

  #wait(signal: AbortSignal | undefined): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.#waiters.indexOf(waiter);
          if (index !== -1) this.#waiters.splice(index, 1);
          reject(signal?.reason as Error);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #openSession(): Buffer {
    return this.#options.pkcs11.C_OpenSession(this.#options.slot, SESSION_FLAGS);
  }

  #release(session: Buffer, broken: boolean): void {
    this.#busy.delete(session);
    if (broken || this.#closed) {
      this.#closeSession(session);
      if (this.#closed) {
        if (this.#busy.size === 0) this.#drained?.();
        return;
      }
      // A broken session frees a place: the next waiter gets a new session.
      this.#serveWaiterWithNewSession();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter === undefined) {
      this.#idle.push(session);
      return;
    }
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    this.#busy.add(session);
    waiter.resolve(session);
  }

  #serveWaiterWithNewSession(): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) return;
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    try {
      const session = this.#openSession();
      this.#busy.add(session);
      waiter.resolve(session);
    } catch (error) {
      waiter.reject(
        toProviderError(error, {
          provider: this.#options.provider,
          operation: `open a session on token ${this.#options.tokenName}`,
        }),
      );
    }
  }

  #closeSession(session: Buffer): void {
    try {
      this.#options.pkcs11.C_CloseSession(session);
    } catch {
      // Already invalid (token removed): nothing left to close.
    }
  }
}
