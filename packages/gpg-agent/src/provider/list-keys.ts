import { createHash } from 'node:crypto';
import { AssuanError, type AssuanConnection } from '@keyroute/assuan';
import {
  ProviderError,
  describePublicKey,
  findKey,
  hasErrorCode,
  isProviderError,
  publicKeyAliases,
  raceAbort,
  type KeyAlgorithm,
  type KeyAliases,
  type KeyInfo,
  type KeyUsage,
} from '@keyroute/core';
import { listOpenPgpCertificates, listX509Certificates } from '../gnupg/index.js';
import { publicKeySexpToSpki } from '../sexp/index.js';
import type { AgentKey } from './agent-key.js';
import { mapAgentError } from './errors.js';
import type { AgentPool } from './pool.js';

/** One certificate from the gpg or gpgsm listing. */
export type ListedCertificate = Awaited<ReturnType<typeof listOpenPgpCertificates>>[number];
/** One (sub)key of a listed certificate. */
export type ListedKey = ListedCertificate['primary'];

/** One `S KEYINFO` line of `KEYINFO --list`. */
export interface KeyInfoLine {
  readonly keygrip: string;
  /** `D` disk, `T` smartcard, `X` unknown. */
  readonly type: string;
  /** Card serial number, when on a card. */
  readonly serial: string | undefined;
  /** The passphrase is in the agent's cache. */
  readonly cached: boolean;
  /** `P` protected, `C` clear, `-` unknown. */
  readonly protection: string;
}

const KEYGRIP = /^[0-9A-F]{40}$/;

/**
 * Parses the arguments of one `S KEYINFO` status line:
 * `<keygrip> <type> <serialno> <idstr> <cached> <protection> <fpr> <ttl> <flags>`
 * (gpg-agent's `KEYINFO` command, agent/command.c). Returns undefined for a malformed line.
 */
export function parseKeyInfoLine(args: string): KeyInfoLine | undefined {
  const [keygrip, type, serial, , cached, protection] = args.trim().split(/\s+/);
  if (keygrip === undefined || !KEYGRIP.test(keygrip.toUpperCase())) return undefined;
  return {
    keygrip: keygrip.toUpperCase(),
    type: type ?? '-',
    serial: serial === undefined || serial === '-' ? undefined : serial,
    cached: cached === '1',
    protection: protection ?? '-',
  };
}

/** Asks the agent about one key (fresh `cached` flag); undefined when it has no such key. */
export async function keyInfoOf(
  connection: AssuanConnection,
  keygrip: string,
): Promise<KeyInfoLine | undefined> {
  const result = await connection.transact('KEYINFO', keygrip);
  const line = result.status.find((status) => status.keyword === 'KEYINFO');
  return line === undefined ? undefined : parseKeyInfoLine(line.args);
}

const USAGE_LETTERS: Readonly<Record<string, KeyUsage>> = {
  s: 'sign',
  e: 'decrypt',
  c: 'certify',
  a: 'authenticate',
};

/** Usages each algorithm can have at all (X25519 cannot sign, EdDSA cannot decrypt). */
function possibleUsages(algorithm: KeyAlgorithm): readonly KeyUsage[] {
  switch (algorithm.kind) {
    case 'x25519':
    case 'x448':
      return ['decrypt'];
    case 'ed25519':
    case 'ed448':
      return ['sign', 'certify', 'authenticate'];
    case 'rsa':
    case 'ec':
      return ['sign', 'decrypt', 'certify', 'authenticate'];
  }
}

/** What a key may do when no certificate says: everything its algorithm allows. */
function defaultUsages(algorithm: KeyAlgorithm): KeyUsage[] {
  switch (algorithm.kind) {
    case 'x25519':
    case 'x448':
      return ['decrypt'];
    case 'ed25519':
    case 'ed448':
      return ['sign'];
    case 'rsa':
    case 'ec':
      return ['sign', 'decrypt'];
  }
}

/** The usages named by the colon listings' capability letters, limited to what the algorithm can. */
function usagesFrom(letters: readonly string[], algorithm: KeyAlgorithm): KeyUsage[] {
  const possible = possibleUsages(algorithm);
  const usages = new Set<KeyUsage>();
  for (const letter of letters.join('')) {
    const usage = USAGE_LETTERS[letter];
    if (usage !== undefined && possible.includes(usage)) usages.add(usage);
  }
  return [...usages];
}

interface Binding {
  readonly certificate: ListedCertificate;
  readonly key: ListedKey;
}

/** Indexes the (sub)keys of certificates by keygrip. */
function bindingsByKeygrip(certificates: readonly ListedCertificate[]): Map<string, Binding[]> {
  const map = new Map<string, Binding[]>();
  for (const certificate of certificates) {
    for (const key of [certificate.primary, ...certificate.subkeys]) {
      if (key.keygrip === undefined) continue;
      const grip = key.keygrip.toUpperCase();
      const list = map.get(grip) ?? [];
      list.push({ certificate, key });
      map.set(grip, list);
    }
  }
  return map;
}

/** SHA-256 of bytes as lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Everything needed to build the key list, gathered from the agent, gpg and gpgsm. */
interface Listing {
  readonly keys: readonly AgentKey[];
  readonly openpgp: readonly ListedCertificate[];
  readonly x509: readonly ListedCertificate[];
}

/** Options of {@link KeyDirectory}. */
export interface KeyDirectoryOptions {
  readonly provider: string;
  readonly homedir: string | undefined;
  readonly pool: AgentPool;
  readonly keyCacheMs: number;
  /** The per-call time limit, applied to a refresh shared by many callers. */
  readonly timeoutMs: number;
}

/** The non-fatal outcome of a certificate listing: the certificates, or none when it failed. */
async function certificatesOrNone(
  list: () => Promise<readonly ListedCertificate[]>,
): Promise<readonly ListedCertificate[]> {
  try {
    return await list();
  } catch {
    // Aliases and labels are extras: a key listing must not fail because gpg or gpgsm did.
    return [];
  }
}

/**
 * The agent's keys as `KeyInfo`s, listed with `KEYINFO --list` and `READKEY`, enriched from the
 * gpg and gpgsm certificate listings (matched by keygrip). A listing is reused for `keyCacheMs`
 * and refreshed on a lookup miss; concurrent refreshes share one run.
 */
export class KeyDirectory {
  readonly #options: KeyDirectoryOptions;
  #listing: Listing | undefined;
  #listedAt = 0;
  #refresh: Promise<Listing> | undefined;

  constructor(options: KeyDirectoryOptions) {
    this.#options = options;
  }

  /** The current listing (cached unless `fresh`). Rejects with `signal.reason` on abort. */
  async listing(signal: AbortSignal | undefined, fresh = false): Promise<Listing> {
    const cached = this.#listing;
    if (!fresh && cached !== undefined && Date.now() - this.#listedAt < this.#options.keyCacheMs) {
      return cached;
    }
    this.#refresh ??= this.#load().finally(() => {
      this.#refresh = undefined;
    });
    return raceAbort(this.#refresh, signal);
  }

  /** All keys. */
  async keys(signal: AbortSignal | undefined): Promise<readonly AgentKey[]> {
    return (await this.listing(signal)).keys;
  }

  /**
   * Finds one key by id or alias, listing again once when the cached listing has no match.
   *
   * @throws ProviderError `KEY_NOT_FOUND` or `INVALID_INPUT` (ambiguous reference).
   */
  async find(reference: string, signal: AbortSignal | undefined): Promise<AgentKey> {
    const { provider } = this.#options;
    try {
      return this.#pick((await this.#listingForLookup(signal)).keys, reference);
    } catch (error) {
      if (!hasErrorCode(error, 'KEY_NOT_FOUND')) throw error;
    }
    const keys = (await this.listing(signal, true)).keys;
    try {
      return this.#pick(keys, reference);
    } catch (error) {
      if (isProviderError(error)) throw error;
      throw new ProviderError('INTERNAL', `looking up key "${reference}" failed`, {
        cause: error,
        provider,
      });
    }
  }

  /**
   * The listing for a key lookup on the hot path: a stale listing is still used (a miss lists
   * again anyway) while a refresh runs in the background, so signing never waits for
   * READKEY/gpg/gpgsm once the first listing is done.
   */
  async #listingForLookup(signal: AbortSignal | undefined): Promise<Listing> {
    const cached = this.#listing;
    if (cached === undefined) return this.listing(signal);
    if (Date.now() - this.#listedAt >= this.#options.keyCacheMs && this.#refresh === undefined) {
      // A failed background refresh keeps the old listing; the next miss reports the failure.
      this.listing(undefined, true).catch(() => undefined);
    }
    return cached;
  }

  /** Forgets the cached listing (after a key turned out to be gone). */
  invalidate(): void {
    this.#listing = undefined;
  }

  #pick(keys: readonly AgentKey[], reference: string): AgentKey {
    // Fast path for the common case, a key id (keygrip) as listKeys returned it.
    const byId = keys.find((candidate) => candidate.info.id === reference);
    if (byId !== undefined) return byId;
    const info = findKey(
      keys.map((key) => key.info),
      reference,
      this.#options.provider,
    );
    const key = keys.find((candidate) => candidate.info === info);
    if (key === undefined) throw new ProviderError('INTERNAL', 'key lookup lost its key');
    return key;
  }

  async #load(): Promise<Listing> {
    const { homedir, timeoutMs } = this.#options;
    const signal = AbortSignal.timeout(timeoutMs);
    const options = { signal, ...(homedir === undefined ? {} : { homedir }) };
    const [agentKeys, openpgp, x509] = await Promise.all([
      this.#readAgentKeys(signal),
      certificatesOrNone(() => listOpenPgpCertificates(options)),
      certificatesOrNone(() => listX509Certificates(options)),
    ]);
    const openpgpByGrip = bindingsByKeygrip(openpgp);
    const x509ByGrip = bindingsByKeygrip(x509);
    const keys = agentKeys.map(({ line, spki, algorithm }) =>
      this.#describe(
        line,
        spki,
        algorithm,
        openpgpByGrip.get(line.keygrip) ?? [],
        x509ByGrip.get(line.keygrip) ?? [],
      ),
    );
    const listing = { keys, openpgp, x509 };
    this.#listing = listing;
    this.#listedAt = Date.now();
    return listing;
  }

  async #readAgentKeys(
    signal: AbortSignal,
  ): Promise<{ line: KeyInfoLine; spki: Uint8Array; algorithm: KeyAlgorithm }[]> {
    const { provider, pool } = this.#options;
    try {
      return await pool.use(async (connection) => {
        const listed = await connection.transact('KEYINFO', '--list', { signal });
        const lines = listed.status
          .filter((status) => status.keyword === 'KEYINFO')
          .map((status) => parseKeyInfoLine(status.args))
          .filter((line): line is KeyInfoLine => line !== undefined);
        const keys: { line: KeyInfoLine; spki: Uint8Array; algorithm: KeyAlgorithm }[] = [];
        for (const line of lines) {
          let read;
          try {
            read = await connection.transact('READKEY', line.keygrip, { signal });
          } catch (error) {
            // A key the agent lists but cannot read (a card not inserted, a broken file) is skipped.
            if (error instanceof AssuanError) continue;
            throw error;
          }
          try {
            const spki = publicKeySexpToSpki(read.data);
            keys.push({ line, spki, algorithm: describePublicKey(spki) });
          } catch {
            // An algorithm keyroute does not support (DSA, Elgamal, …): not a key we can offer.
            continue;
          }
        }
        return keys;
      }, signal);
    } catch (error) {
      throw mapAgentError(error, { provider, operation: 'listing keys (KEYINFO --list)' });
    }
  }

  #describe(
    line: KeyInfoLine,
    spki: Uint8Array,
    algorithm: KeyAlgorithm,
    openpgp: readonly Binding[],
    x509: readonly Binding[],
  ): AgentKey {
    const { provider } = this.#options;
    const pgp = openpgp[0];
    const cert = x509[0];
    const aliases: KeyAliases = {
      ...publicKeyAliases(spki),
      // The agent's keygrip is libgcrypt's by definition.
      keygrip: line.keygrip,
      ...(pgp === undefined
        ? {}
        : {
            openpgpFingerprint: pgp.key.fingerprint.toUpperCase(),
            openpgpKeyId: pgp.key.keyId.toUpperCase(),
          }),
      ...(cert === undefined ? {} : { x509Sha256: sha256Hex(cert.certificate.encoded) }),
    };
    const bindings = [...openpgp, ...x509];
    const usages =
      bindings.length === 0
        ? defaultUsages(algorithm)
        : usagesFrom(
            bindings.map((binding) => binding.key.usage),
            algorithm,
          );
    const label =
      pgp?.certificate.userIds[0] ?? cert?.certificate.subject ?? cert?.certificate.userIds[0];
    const expires = bindings
      .map((binding) => binding.key.expires)
      .filter((date): date is Date => date !== undefined)
      .sort((a, b) => a.getTime() - b.getTime())[0];
    const revoked = bindings.some(
      (binding) => binding.key.revoked || binding.certificate.primary.revoked,
    );
    const info: KeyInfo = {
      id: line.keygrip,
      provider,
      algorithm,
      usages,
      hasPrivateKey: true,
      publicKey: spki,
      aliases,
      ...(label === undefined ? {} : { label }),
      ...(expires === undefined ? {} : { expiresAt: expires }),
      ...(revoked ? { revoked: true } : {}),
      details: {
        protected: line.protection === 'P',
        cached: line.cached,
        ...(line.serial === undefined ? {} : { card: line.serial }),
      },
    };
    return {
      info,
      keygrip: line.keygrip,
      protected: line.protection === 'P',
      ...(pgp === undefined ? {} : { openpgpFingerprint: pgp.key.fingerprint.toUpperCase() }),
      ...(cert === undefined ? {} : { x509Fingerprint: cert.certificate.primary.fingerprint }),
    };
  }
}
