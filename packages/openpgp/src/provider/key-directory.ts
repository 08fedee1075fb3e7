import { ProviderError, keyNotFound, matchKeys, type KeyReference } from '@keyroute/core';
import type { PrivateKey } from 'openpgp';
import { describeCertificate, type OpenPgpKeyRecord } from '../keys/describe-key.js';
import type { Keystore } from '../keystore/keystore.js';

/** Options of a {@link KeyDirectory}. */
export interface KeyDirectoryOptions {
  readonly keystore: Keystore;
  readonly provider: string;
  /** How long a listing is reused before the folder is read again (a miss reads it at once). */
  readonly refreshMs: number;
}

/** How long a certificate's description (validity now, flags) is reused while its file is unchanged. */
const DESCRIPTION_TTL_MS = 60_000;

interface Snapshot {
  readonly records: readonly OpenPgpKeyRecord[];
  readonly byReference: Map<string, OpenPgpKeyRecord>;
  readonly secrets: ReadonlyMap<string, PrivateKey>;
  readonly at: number;
}

/**
 * The keys of the keystore as `KeyInfo`s, read from the folder at most once per `refreshMs`
 * (and at once on a lookup miss: another process may have added a key), with resolved
 * references remembered so that a signature costs no file access.
 */
export class KeyDirectory {
  readonly #options: KeyDirectoryOptions;
  #snapshot: Snapshot | undefined;
  readonly #described = new WeakMap<
    object,
    {
      records: readonly OpenPgpKeyRecord[];
      hasSecretKey: boolean;
      protectedSecret: boolean;
      at: number;
    }
  >();
  #loading: Promise<Snapshot> | undefined;

  constructor(options: KeyDirectoryOptions) {
    this.#options = options;
  }

  /** Every (sub)key of every certificate. */
  async records(): Promise<readonly OpenPgpKeyRecord[]> {
    return (await this.#current()).records;
  }

  /** The record a reference names, reading the folder again once on a miss. */
  async find(reference: KeyReference): Promise<OpenPgpKeyRecord> {
    const { provider } = this.#options;
    if (typeof reference !== 'string' || reference.trim() === '') {
      throw new ProviderError('INVALID_INPUT', 'a key reference must be a non-empty string', {
        provider,
      });
    }
    const snapshot = await this.#current();
    const found = this.#lookup(snapshot, reference);
    if (found !== undefined) return found;
    const fresh = await this.#reload();
    const again = this.#lookup(fresh, reference);
    if (again !== undefined) return again;
    throw keyNotFound(
      fresh.records.map((record) => record.info),
      reference,
      provider,
    );
  }

  /** The stored secret key of a certificate (encrypted as stored), or undefined. */
  async secretKey(primaryFingerprint: string): Promise<PrivateKey | undefined> {
    return (await this.#current()).secrets.get(primaryFingerprint);
  }

  /** Drops the cached listing (after an import or a delete). */
  invalidate(): void {
    this.#snapshot = undefined;
  }

  #lookup(snapshot: Snapshot, reference: string): OpenPgpKeyRecord | undefined {
    const remembered = snapshot.byReference.get(reference);
    if (remembered !== undefined) return remembered;
    const infos = new Set(
      matchKeys(
        snapshot.records.map((record) => record.info),
        reference,
      ),
    );
    const matches = snapshot.records.filter((record) => infos.has(record.info));
    if (matches.length > 1) {
      throw new ProviderError(
        'INVALID_INPUT',
        `key reference "${reference}" is ambiguous in provider "${this.#options.provider}": it names ${matches
          .map((record) => `"${record.info.id}" (${record.info.label ?? 'no user ID'})`)
          .join(', ')}; use a fingerprint`,
        { provider: this.#options.provider, key: reference },
      );
    }
    const [match] = matches;
    if (match !== undefined && snapshot.byReference.size < 1_024) {
      snapshot.byReference.set(reference, match);
    }
    return match;
  }

  #current(): Promise<Snapshot> {
    const snapshot = this.#snapshot;
    if (snapshot === undefined) return this.#reload();
    // Stale: read the folder again in the background and answer from the listing in hand
    // (a lookup miss still reads it at once).
    if (Date.now() - snapshot.at >= this.#options.refreshMs) {
      this.#reload().catch(() => undefined);
    }
    return Promise.resolve(snapshot);
  }

  #reload(): Promise<Snapshot> {
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #load(): Promise<Snapshot> {
    const { keystore, provider } = this.#options;
    const now = new Date();
    const entries = await keystore.list();
    const secrets = new Map<string, PrivateKey>();
    const records: OpenPgpKeyRecord[] = [];
    for (const entry of entries) {
      const secret = entry.hasSecretKey
        ? await keystore.readSecretKey(entry.fingerprint)
        : undefined;
      if (secret !== undefined) secrets.set(entry.fingerprint, secret);
      const hasSecretKey = secret !== undefined;
      const protectedSecret = secret !== undefined && !secret.isDecrypted();
      // The keystore hands back the same certificate object while its file is unchanged:
      // describing it (self-signature checks) is redone only when it changed or has aged.
      const described = this.#described.get(entry.certificate);
      if (
        described !== undefined &&
        described.hasSecretKey === hasSecretKey &&
        described.protectedSecret === protectedSecret &&
        now.getTime() - described.at < DESCRIPTION_TTL_MS
      ) {
        records.push(...described.records);
        continue;
      }
      const fresh = await describeCertificate(entry.certificate, {
        provider,
        hasSecretKey,
        protectedSecret,
        now,
      });
      this.#described.set(entry.certificate, {
        records: fresh,
        hasSecretKey,
        protectedSecret,
        at: now.getTime(),
      });
      records.push(...fresh);
    }
    const snapshot: Snapshot = { records, byReference: new Map(), secrets, at: Date.now() };
    this.#snapshot = snapshot;
    return snapshot;
  }
}
