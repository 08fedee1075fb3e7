import { realpathSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { ProviderError } from '@keyroute/core';
import type { PKCS11 } from 'pkcs11js';
import { failedWith } from '../errors.js';
import { CKF } from '../native/constants.js';
import { loadPkcs11Js } from '../native/load-pkcs11js.js';
import { CKR, returnCodeName } from '../native/return-codes.js';
import { pkcs11FailureOf } from '../native/pkcs11-error.js';
import { trimPadded, type ModuleInfo } from './module-info.js';

/** Something that holds sessions of a module and must let go of them before a reset. */
export interface ModuleUser {
  /** Closes every session of this user, waiting for running operations to end. */
  suspend(): Promise<void>;
}

/** A PKCS#11 module loaded and initialised once for the whole process, shared by reference. */
export interface LoadedModule {
  /** The pkcs11js binding of the module. */
  readonly pkcs11: PKCS11;
  /** `C_GetInfo`, trimmed. */
  readonly info: ModuleInfo;
  /** Counts the module's initialisations in this process: 1, then +1 per reset. */
  readonly generation: number;
  /** Pending while a reset runs: open no session until it settles. */
  readonly resetting: Promise<void> | undefined;
  /**
   * Re-initialises the module (`C_Finalize` + `C_Initialize`) after every user has suspended:
   * the only way some modules (SoftHSM 2.6) see a token that was removed and put back.
   * Concurrent calls share one reset. Resolves even when the re-initialisation fails (the
   * next use reports it); reject only if a user cannot suspend.
   */
  reinitialize(): Promise<void>;
  /** Registers a user to suspend before a reset; returns the function that unregisters it. */
  addUser(user: ModuleUser): () => void;
  /**
   * Gives this reference back. The last one calls `C_Finalize` and unloads the module, so call
   * it only after every session this user opened is closed. Idempotent per reference.
   */
  release(): void;
}

interface Entry {
  readonly pkcs11: PKCS11;
  readonly info: ModuleInfo;
  /** False when another part of the process had already initialised the module. */
  readonly ownsInitialization: boolean;
  references: number;
  generation: number;
  resetting: Promise<void> | undefined;
  readonly users: Set<ModuleUser>;
}

/**
 * One registry per process, shared by every copy of this package (a bundled copy and an
 * installed one, `src` and `dist` in tests): a module initialised twice in one process fails
 * with CKR_CRYPTOKI_ALREADY_INITIALIZED and would be finalised under the other copy's feet.
 */
const REGISTRY = Symbol.for('@keyroute/pkcs11/module-registry');
const registryHolder = globalThis as unknown as Record<symbol, Map<string, Entry> | undefined>;
const modules = (registryHolder[REGISTRY] ??= new Map<string, Entry>());

function loadFailure(path: string, error: unknown): ProviderError {
  const failure = pkcs11FailureOf(error);
  const reason =
    failure === undefined
      ? error instanceof Error
        ? error.message
        : String(error)
      : returnCodeName(failure.code);
  return new ProviderError('UNAVAILABLE', `cannot load PKCS#11 module ${path}: ${reason}`, {
    cause: error,
  });
}

function resolveModulePath(path: string): string {
  if (!isAbsolute(path)) {
    throw new ProviderError(
      'INVALID_INPUT',
      `PKCS#11 module path must be absolute (a relative path would depend on the working directory): ${path}`,
    );
  }
  try {
    return realpathSync(path);
  } catch (error) {
    throw new ProviderError('UNAVAILABLE', `cannot load PKCS#11 module ${path}: no such file`, {
      cause: error,
    });
  }
}

function openModule(path: string): Entry {
  const { PKCS11: Binding } = loadPkcs11Js();
  const pkcs11 = new Binding();
  try {
    pkcs11.load(path);
  } catch (error) {
    throw loadFailure(path, error);
  }
  let ownsInitialization = true;
  try {
    // NULL arguments let a module assume a single-threaded caller; pkcs11js runs *Async calls
    // on libuv's thread pool, and concurrent signs then crashed SoftHSM (RECIPES.md).
    pkcs11.C_Initialize({ flags: CKF.OS_LOCKING_OK });
  } catch (error) {
    if (failedWith(error, CKR.CRYPTOKI_ALREADY_INITIALIZED)) {
      ownsInitialization = false;
    } else {
      closeQuietly(pkcs11);
      throw loadFailure(path, error);
    }
  }
  try {
    const raw = pkcs11.C_GetInfo();
    const info: ModuleInfo = {
      path,
      manufacturer: trimPadded(raw.manufacturerID),
      description: trimPadded(raw.libraryDescription),
      version: { major: raw.libraryVersion.major, minor: raw.libraryVersion.minor },
      cryptokiVersion: { major: raw.cryptokiVersion.major, minor: raw.cryptokiVersion.minor },
    };
    return {
      pkcs11,
      info,
      ownsInitialization,
      references: 0,
      generation: 1,
      resetting: undefined,
      users: new Set(),
    };
  } catch (error) {
    if (ownsInitialization) finalizeQuietly(pkcs11);
    closeQuietly(pkcs11);
    throw loadFailure(path, error);
  }
}

function finalizeQuietly(pkcs11: PKCS11): void {
  try {
    pkcs11.C_Finalize();
  } catch {
    // Nothing to do: the module is being unloaded anyway.
  }
}

function closeQuietly(pkcs11: PKCS11): void {
  try {
    pkcs11.close();
  } catch {
    // Nothing to do: the module is being unloaded anyway.
  }
}

/**
 * Loads a PKCS#11 module once per process (keyed by its real path) and calls `C_Initialize`
 * with `CKF_OS_LOCKING_OK`; later callers share it. Every call must be paired with one
 * `release()` of the returned reference.
 *
 * @throws ProviderError `INVALID_INPUT` for a relative path; `UNAVAILABLE` naming the path and
 *   the reason (no such file, `dlopen` error, a failing `C_Initialize`).
 */
export function acquireModule(path: string): LoadedModule {
  const realPath = resolveModulePath(path);
  let entry = modules.get(realPath);
  if (entry === undefined) {
    entry = openModule(realPath);
    modules.set(realPath, entry);
  }
  entry.references += 1;
  const shared = entry;
  let released = false;
  return {
    pkcs11: shared.pkcs11,
    info: shared.info,
    get generation(): number {
      return shared.generation;
    },
    get resetting(): Promise<void> | undefined {
      return shared.resetting;
    },
    reinitialize(): Promise<void> {
      shared.resetting ??= resetModule(shared).finally(() => {
        shared.resetting = undefined;
      });
      return shared.resetting;
    },
    addUser(user: ModuleUser): () => void {
      shared.users.add(user);
      return () => {
        shared.users.delete(user);
      };
    },
    release(): void {
      if (released) return;
      released = true;
      shared.references -= 1;
      if (shared.references > 0) return;
      modules.delete(realPath);
      if (shared.ownsInitialization) finalizeQuietly(shared.pkcs11);
      closeQuietly(shared.pkcs11);
    },
  };
}

async function resetModule(entry: Entry): Promise<void> {
  await Promise.all([...entry.users].map((user) => user.suspend()));
  if (entry.ownsInitialization) finalizeQuietly(entry.pkcs11);
  try {
    entry.pkcs11.C_Initialize({ flags: CKF.OS_LOCKING_OK });
  } catch {
    // Reported by the next call (CKR_CRYPTOKI_NOT_INITIALIZED → UNAVAILABLE).
  }
  entry.generation += 1;
}

/** How many references to each loaded module are held (for tests and diagnostics). */
export function loadedModules(): ReadonlyMap<string, number> {
  return new Map([...modules].map(([path, entry]) => [path, entry.references]));
}
