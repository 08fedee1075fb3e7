import { ProviderError, raceAbort, type SecretSource } from '@keyroute/core';
import type { PKCS11 } from 'pkcs11js';
import { failedWith, rejectWith, toProviderError } from '../errors.js';
import type { LoadedModule } from '../module/module-registry.js';
import { CKA } from '../native/constants.js';
import { CKR, HANDLE_STALE_CODES, TOKEN_GONE_CODES } from '../native/return-codes.js';
import { scanTokenObjects } from '../objects/scan-token.js';
import {
  catalogTokenObjects,
  type TokenCatalog,
  type UsablePredicate,
} from '../objects/token-keys.js';
import { SessionPool, isPoolClosedError } from '../session/session-pool.js';
import type { Pkcs11Uri } from '../uri/types.js';
import { findToken, tokenNotPresent } from './find-token.js';
import { TokenLogin } from './login.js';
import { describeToken, readTokenDetails, type TokenDetails } from './token-details.js';

/** Options of a {@link TokenBinding}. */
export interface TokenBindingOptions {
  readonly module: LoadedModule;
  /** Names the token (token, manufacturer, serial, model attributes). */
  readonly uri: Pkcs11Uri;
  readonly provider: string;
  readonly secrets: SecretSource | undefined;
  /** Most sessions to open (further limited by the token's own maximum). */
  readonly poolSize: number;
  /** How often to check that the token is still in its slot (0: never). */
  readonly rescanIntervalMs: number;
  /** Shortest time between two object rescans caused by lookup misses. */
  readonly missRescanMs: number;
  /** Shortest time between two module resets made to find a lost token. */
  readonly resetIntervalMs: number;
  /** Whether the token's mechanisms can do a usage with an algorithm (filters key usages). */
  readonly usable?: UsablePredicate;
}

/** The token as currently bound: found in one slot, with its sessions, login and objects. */
export interface BoundToken {
  readonly token: TokenDetails;
  readonly pool: SessionPool;
  readonly login: TokenLogin;
  /** The module generation the binding was made in. */
  readonly moduleGeneration: number;
}

interface State extends BoundToken {
  catalog: Promise<TokenCatalog> | undefined;
  catalogAt: number;
  /** The last catalog read, usable synchronously (kept while a refresh runs). */
  resolved: TokenCatalog | undefined;
}

/** A snapshot of a binding for operators (metrics, health checks). */
export interface TokenStatus {
  /** False while the token is lost (between removal and the next successful lookup). */
  readonly bound: boolean;
  readonly loggedIn: boolean;
  /** How many times the module was initialised in this process. */
  readonly moduleGeneration: number;
  readonly sessions: {
    readonly open: number;
    readonly busy: number;
    readonly waiting: number;
    readonly capacity: number;
  };
}

/** The token's catalog together with the token it was read from. */
export interface CatalogView {
  readonly token: TokenDetails;
  readonly catalog: TokenCatalog;
}

/**
 * Where an operation's stop signal comes from: read only off the hot path, so that a
 * `CallDeadline` (core) makes its signal only when something has to wait.
 */
export interface StopSource {
  readonly signal: AbortSignal;
}

/** Turns an operation's outcome into the caller's result (or error). */
export interface Finish<T, R> {
  readonly ok: (value: T) => R;
  readonly fail: (error: unknown) => never;
}

/** The {@link Finish} that returns the value and rethrows the error as they are. */
export function passThrough<T>(): Finish<T, T> {
  return {
    ok: (value) => value,
    fail: (error) => {
      throw error;
    },
  };
}

/** What an operation gets: a session of its own (logged in) and the current catalog. */
export type SessionWork<T> = (
  session: Buffer,
  catalog: TokenCatalog,
  bound: BoundToken,
) => Promise<T>;

/** Failures that mean the binding no longer matches the token (lost, moved, reinserted). */
const LOST_CODES: ReadonlySet<number> = new Set([
  ...TOKEN_GONE_CODES,
  ...HANDLE_STALE_CODES,
  CKR.GENERAL_ERROR,
  CKR.DEVICE_ERROR,
  CKR.CRYPTOKI_NOT_INITIALIZED,
]);

/** Looks at a pkcs11js error directly or through the `ProviderError` that wraps it. */
function failedWithAny(error: unknown, codes: ReadonlySet<number> | number): boolean {
  return failedWith(error, codes) || (error instanceof Error && failedWith(error.cause, codes));
}

/**
 * Follows one token by identity, not by slot: finds it by URI, keeps a session pool and one
 * login for it, and caches its objects.
 *
 * When an operation fails in a way that means the token was lost (`CKR_TOKEN_NOT_PRESENT`,
 * `CKR_DEVICE_REMOVED`, `CKR_SESSION_HANDLE_INVALID`, a stale object handle, a general error),
 * or the rescan timer no longer sees it in its slot, the binding drops sessions, login and
 * objects, re-initialises the module (some modules — SoftHSM 2.6 — see a re-inserted token only
 * after `C_Initialize`; at most once per `resetIntervalMs`), finds the token again in whatever
 * slot, logs in and scans again, then runs the operation once more. Key ids come from `CKA_ID`,
 * so they do not change.
 */
export class TokenBinding {
  readonly #options: TokenBindingOptions;
  readonly #pkcs11: PKCS11;
  readonly #module: LoadedModule;
  readonly #removeUser: () => void;
  #state: State | undefined;
  #timer: NodeJS.Timeout | undefined;
  #disposed = false;
  #lastResetAt = 0;
  #lastToken: TokenDetails;

  /**
   * Binds the token now (so that a wrong URI fails at start-up).
   *
   * @throws ProviderError `UNAVAILABLE` when no present token matches (naming those present),
   *   `INVALID_INPUT` when several do.
   */
  constructor(options: TokenBindingOptions) {
    this.#options = options;
    this.#module = options.module;
    this.#pkcs11 = options.module.pkcs11;
    const token = findToken(this.#pkcs11, options.uri, options.provider);
    if (token === undefined) throw tokenNotPresent(this.#pkcs11, options.uri, options.provider);
    this.#lastToken = token;
    this.#state = this.#stateFor(token);
    this.#removeUser = this.#module.addUser({ suspend: () => this.#suspend() });
    if (options.rescanIntervalMs > 0) {
      this.#timer = setInterval(() => {
        void this.#checkPresence();
      }, options.rescanIntervalMs);
      this.#timer.unref();
    }
  }

  /** What the binding holds now, for status reports. Makes no PKCS#11 call. */
  status(): TokenStatus {
    const state = this.#state;
    return {
      bound: state !== undefined,
      loggedIn: state?.login.loggedIn ?? false,
      moduleGeneration: this.#module.generation,
      sessions: {
        open: state?.pool.openSessions ?? 0,
        busy: state?.pool.busySessions ?? 0,
        waiting: state?.pool.waitingRequests ?? 0,
        capacity: state?.pool.capacity ?? 0,
      },
    };
  }

  /** The token's details as last found. */
  get token(): TokenDetails {
    return this.#lastToken;
  }

  /** The keys and certificates (scanned once per binding, after logging in). */
  catalog(signal?: AbortSignal): Promise<CatalogView> {
    return this.#withRecovery(signal, async (state) => ({
      token: state.token,
      catalog: await this.#catalogOf(state, signal),
    }));
  }

  /**
   * Scans the objects again (another application may have added a key), at most once per
   * `missRescanMs`, and resolves with the catalog in force afterwards.
   */
  refreshCatalog(signal?: AbortSignal): Promise<CatalogView> {
    return this.#withRecovery(signal, async (state) => {
      if (Date.now() - state.catalogAt >= this.#options.missRescanMs) state.catalog = undefined;
      return { token: state.token, catalog: await this.#catalogOf(state, signal) };
    });
  }

  /**
   * Runs `work` with a logged-in session of its own. When the token turns out to be lost or
   * logged out, the binding recovers and runs `work` once more; other failures are returned as
   * they are (pkcs11js errors unchanged, for the caller to map).
   *
   * `finish` turns the outcome into the caller's result in the same step (one promise less on
   * the signing hot path); {@link passThrough} keeps it as it is.
   */
  run<T, R>(work: SessionWork<T>, stop: StopSource | undefined, finish: Finish<T, R>): Promise<R> {
    // Hot path: bound, scanned, logged in and a session idle — no promise until the token's.
    const state = this.#state;
    const catalog = state?.resolved;
    if (state !== undefined && catalog !== undefined && state.login.loggedIn) {
      const session = this.#module.resetting === undefined ? state.pool.tryAcquire() : undefined;
      if (session !== undefined) {
        return this.#runNow(state, session, catalog, work, stop, finish);
      }
    }
    const signal = stop?.signal;
    const outcome = this.#withRecovery(signal, (bound) => this.#runOnce(bound, work, signal));
    return outcome.then(finish.ok, finish.fail);
  }

  async #runOnce<T>(
    state: State,
    work: SessionWork<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const catalog = await this.#catalogOf(state, signal);
    return state.pool.use(async (session) => {
      await state.login.ensure(session, signal);
      return work(session, catalog, state);
    }, signal);
  }

  /** The catalog as last read, when the token is bound and scanned; undefined otherwise. */
  readyCatalog(): TokenCatalog | undefined {
    return this.#module.resetting === undefined ? this.#state?.resolved : undefined;
  }

  #runNow<T, R>(
    state: State,
    session: Buffer,
    catalog: TokenCatalog,
    work: SessionWork<T>,
    stop: StopSource | undefined,
    finish: Finish<T, R>,
  ): Promise<R> {
    let running: Promise<T>;
    try {
      running = work(session, catalog, state);
    } catch (error) {
      running = rejectWith(error);
    }
    return running.then(
      (value) => {
        state.pool.release(session, false);
        return finish.ok(value);
      },
      async (error: unknown) => {
        state.pool.release(session, failedWithAny(error, LOST_CODES));
        const signal = stop?.signal;
        if (signal?.aborted === true || !(await this.#recover(state, error))) {
          return finish.fail(error);
        }
        return this.#runOnce(await this.#current(), work, signal).then(finish.ok, finish.fail);
      },
    );
  }

  /** Stops the rescan timer and closes every session (waiting for running operations). */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#removeUser();
    await this.#suspend();
  }

  #stateFor(token: TokenDetails): State {
    const { provider } = this.#options;
    this.#lastToken = token;
    const size = Math.max(1, Math.min(this.#options.poolSize, token.maxSessions ?? Infinity));
    return {
      token,
      moduleGeneration: this.#module.generation,
      pool: new SessionPool({
        pkcs11: this.#pkcs11,
        slot: token.slot,
        size,
        provider,
        tokenName: describeToken(token),
        isBroken: (error) => failedWithAny(error, LOST_CODES),
      }),
      login: new TokenLogin({
        pkcs11: this.#pkcs11,
        provider,
        token,
        secrets: this.#options.secrets,
      }),
      catalog: undefined,
      catalogAt: 0,
      resolved: undefined,
    };
  }

  /** Drops the binding (closing its sessions once their operations end). */
  async #suspend(): Promise<void> {
    const state = this.#state;
    this.#state = undefined;
    if (state !== undefined) await state.pool.close();
  }

  async #current(): Promise<State> {
    if (this.#disposed) {
      throw new ProviderError('UNAVAILABLE', `provider "${this.#options.provider}" is disposed`, {
        provider: this.#options.provider,
      });
    }
    if (this.#module.resetting !== undefined) await this.#module.resetting;
    if (this.#state !== undefined) return this.#state;
    const { uri, provider } = this.#options;
    let token = findToken(this.#pkcs11, uri, provider);
    if (token === undefined && (await this.#resetModule())) {
      token = findToken(this.#pkcs11, uri, provider);
    }
    if (token === undefined) throw tokenNotPresent(this.#pkcs11, uri, provider);
    this.#state ??= this.#stateFor(token);
    return this.#state;
  }

  /** Re-initialises the module unless that happened within `resetIntervalMs`; true if it ran. */
  async #resetModule(): Promise<boolean> {
    if (this.#module.resetting !== undefined) {
      await this.#module.resetting;
      return true;
    }
    if (Date.now() - this.#lastResetAt < this.#options.resetIntervalMs) return false;
    this.#lastResetAt = Date.now();
    await this.#module.reinitialize();
    return true;
  }

  #catalogOf(state: State, signal: AbortSignal | undefined): Promise<TokenCatalog> {
    if (state.catalog === undefined) {
      const scan = state.pool.use(async (session) => {
        await state.login.ensure(session, signal);
        try {
          return catalogTokenObjects(
            scanTokenObjects(this.#pkcs11, session),
            state.token,
            this.#options.provider,
            this.#options.usable,
          );
        } catch (error) {
          throw toProviderError(error, {
            provider: this.#options.provider,
            operation: `read the objects of token ${describeToken(state.token)}`,
          });
        }
      });
      state.catalog = scan;
      state.catalogAt = Date.now();
      scan.then(
        (catalog) => {
          if (state.catalog === scan) state.resolved = catalog;
        },
        () => {
          // A failed scan is not cached: the next request tries again.
          if (state.catalog === scan) state.catalog = undefined;
        },
      );
    }
    return raceAbort(state.catalog, signal);
  }

  async #withRecovery<T>(
    signal: AbortSignal | undefined,
    work: (state: State) => Promise<T>,
  ): Promise<T> {
    const state = await this.#current();
    try {
      return await work(state);
    } catch (error) {
      signal?.throwIfAborted();
      if (!(await this.#recover(state, error))) throw error;
    }
    return work(await this.#current());
  }

  /** Repairs the binding after `error` if it can; true when a second attempt makes sense. */
  async #recover(state: State, error: unknown): Promise<boolean> {
    if (isPoolClosedError(error)) return true;
    if (failedWithAny(error, CKR.USER_NOT_LOGGED_IN)) {
      state.login.forget();
      return true;
    }
    if (!failedWithAny(error, LOST_CODES)) return false;
    if (this.#state === state) await this.#suspend();
    // Only a reset made after this binding can have repaired it.
    if (this.#module.generation === state.moduleGeneration) await this.#resetModule();
    return true;
  }

  /**
   * Reads one attribute of the first cached private key: a module that keeps the slot listed
   * after its token's storage went away (SoftHSM) reports the handle invalid. True when the
   * handle answers or there is nothing to probe; a busy pool is not waited for.
   */
  async #keyHandleValid(state: State): Promise<boolean> {
    const catalog =
      state.catalog === undefined ? undefined : await state.catalog.catch(() => undefined);
    const handle = catalog?.keys.find((key) => key.privateHandle !== undefined)?.privateHandle;
    if (handle === undefined || state.pool.openSessions === 0) return true;
    if (state.pool.busySessions === state.pool.capacity) return true;
    try {
      await state.pool.use(async (session) => {
        this.#pkcs11.C_GetAttributeValue(session, handle, [{ type: CKA.KEY_TYPE }]);
        return Promise.resolve();
      });
      return true;
    } catch (error) {
      return !failedWithAny(error, LOST_CODES);
    }
  }

  /** The rescan timer: notices a token that left its slot (or was replaced) and recovers. */
  async #checkPresence(): Promise<void> {
    if (this.#disposed || this.#module.resetting !== undefined) return;
    const state = this.#state;
    try {
      if (state === undefined) {
        await this.#current();
        return;
      }
      if (await this.#stillPresent(state)) return;
      if (this.#state === state) await this.#suspend();
      await this.#resetModule();
    } catch {
      // Still absent: the next tick or request tries again.
    }
  }

  /** True when the token is in its slot, with its serial, and a cached key handle answers. */
  async #stillPresent(state: State): Promise<boolean> {
    try {
      const present = this.#pkcs11
        .C_GetSlotList(true)
        .some((slot) => slot.equals(state.token.slot));
      return (
        present &&
        readTokenDetails(this.#pkcs11, state.token.slot).serial === state.token.serial &&
        (await this.#keyHandleValid(state))
      );
    } catch {
      return false;
    }
  }
}
