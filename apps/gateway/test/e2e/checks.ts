import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import type { AuditRecord } from '../../src/audit/index.js';
import type { ApiKey } from '../../src/gateway/api-key.js';
import type { ProblemDocument } from '../../src/http/problem.js';
import type { Reply } from './http-client.js';

/**
 * Disposes what a test file set up, in reverse order, each step even when an earlier one
 * failed; registering as resources are made means a half-finished `beforeAll` leaks nothing.
 */
export class Cleanup {
  readonly #steps: (() => PromiseLike<unknown>)[] = [];

  /** Registers `resource` to be disposed by `dispose`, and returns it. */
  add<T>(resource: T, dispose: (resource: T) => PromiseLike<unknown>): T {
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
export async function shortTempDir(
  prefix: string,
): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join('/tmp', prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Writes a secret file readable by its owner only, as the gateway requires. */
export async function writeSecretFile(path: string, secret: string): Promise<void> {
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
}

/** Checks an RFC 9457 problem answer: status, code, content type, fields and request id. */
export function expectProblem(reply: Reply, status: number, code: string): ProblemDocument {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(reply.requestId).toMatch(/^[0-9a-f-]{36}$/);
  const problem = reply.json as ProblemDocument;
  expect(problem).toEqual({
    type: expect.stringMatching(/^https:\/\/keyroute\.dev\/problems\/[a-z-]+$/) as unknown,
    title: expect.any(String) as unknown,
    status,
    detail: expect.any(String) as unknown,
    code,
  });
  return problem;
}

/** Checks a 200 JSON answer and returns its body, of the shape the caller names. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- names the JSON shape
export function expectOk<T>(reply: Reply): T {
  expect(reply.status, reply.text).toBe(200);
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  expect(reply.requestId).toMatch(/^[0-9a-f-]{36}$/);
  return reply.json as T;
}

/** The ids of a `GET /v1/keys` answer. */
export function keyIds(reply: Reply): string[] {
  return expectOk<{ keys: ApiKey[] }>(reply).keys.map((key) => key.id);
}

/** A DER SPKI as PEM (for openssl). */
export function spkiPem(spki: Uint8Array): string {
  return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
}

/**
 * Verifies a signature with the openssl command line (`openssl dgst -verify`): true when openssl
 * prints `Verified OK`. ECDSA signatures must be DER.
 */
export async function opensslVerifies(options: {
  spki: Uint8Array;
  data: Uint8Array;
  signature: Uint8Array;
  hash: 'sha256' | 'sha384' | 'sha512';
  pss?: { saltLength: number };
}): Promise<boolean> {
  const dir = await shortTempDir('kro-');
  try {
    const files = {
      key: join(dir.path, 'key.pem'),
      data: join(dir.path, 'data'),
      sig: join(dir.path, 'sig'),
    };
    await writeFile(files.key, spkiPem(options.spki));
    await writeFile(files.data, options.data);
    await writeFile(files.sig, options.signature);
    const pss =
      options.pss === undefined
        ? []
        : [
            '-sigopt',
            'rsa_padding_mode:pss',
            '-sigopt',
            `rsa_pss_saltlen:${options.pss.saltLength}`,
          ];
    const result = await execa(
      'openssl',
      [
        'dgst',
        `-${options.hash}`,
        '-verify',
        files.key,
        ...pss,
        '-signature',
        files.sig,
        files.data,
      ],
      { reject: false },
    );
    return result.exitCode === 0 && result.stdout.trim() === 'Verified OK';
  } finally {
    await dir.remove();
  }
}

/** What gpg reported for one command: exit code, stdout bytes and `[GNUPG:]` status lines. */
export interface GpgRun {
  readonly exitCode: number;
  readonly stdout: Uint8Array;
  readonly status: readonly string[];
}

/**
 * A throw-away GnuPG home for checking the gateway's OpenPGP output with real gpg, separate from
 * the gpg-agent provider's home (its keys must not show up in the gateway).
 */
export interface GpgChecker extends AsyncDisposable {
  readonly homedir: string;
  run(args: readonly string[], input?: Uint8Array | string): Promise<GpgRun>;
  /** Imports keys (armored or binary). */
  importKeys(keys: Uint8Array | string): Promise<void>;
  /** The primary fingerprint of a good, valid detached signature over `data`, or undefined. */
  verifyDetached(signature: Uint8Array, data: Uint8Array): Promise<string | undefined>;
  /** Encrypts to one recipient (fingerprint), binary output. */
  encrypt(recipient: string, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Decrypts a message with the keys imported here; throws when gpg fails. */
  decrypt(message: Uint8Array): Promise<Uint8Array>;
}

/** Creates a {@link GpgChecker}; disposing stops the agent it may have started (by pid). */
export async function createGpgChecker(): Promise<GpgChecker> {
  const dir = await shortTempDir('krv-');
  const homedir = dir.path;
  const base = ['--homedir', homedir, '--batch', '--no-tty', '--trust-model', 'always'];
  const run = async (args: readonly string[], input?: Uint8Array | string): Promise<GpgRun> => {
    const result = await execa('gpg', [...base, '--status-fd', '2', ...args], {
      input: input === undefined ? '' : typeof input === 'string' ? input : Buffer.from(input),
      encoding: 'buffer',
      reject: false,
    });
    const status = Buffer.from(result.stderr)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.startsWith('[GNUPG:] '));
    return { exitCode: result.exitCode ?? -1, stdout: new Uint8Array(result.stdout), status };
  };
  const dispose = async (): Promise<void> => {
    const info = await execa(
      'gpg-connect-agent',
      ['--homedir', homedir, '--no-autostart', 'GETINFO pid', '/bye'],
      { reject: false },
    );
    const pid = /^D (\d+)$/m.exec(info.stdout)?.[1];
    if (pid !== undefined) {
      try {
        process.kill(Number(pid), 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await dir.remove();
  };
  return {
    homedir,
    run,
    async importKeys(keys) {
      const result = await run(['--import'], keys);
      if (result.exitCode !== 0)
        throw new Error(`gpg --import failed:\n${result.status.join('\n')}`);
    },
    async verifyDetached(signature, data) {
      const files = await shortTempDir('krs-');
      try {
        await writeFile(join(files.path, 'sig'), signature);
        await writeFile(join(files.path, 'data'), data);
        const result = await run(['--verify', join(files.path, 'sig'), join(files.path, 'data')]);
        const good = result.status.filter((line) => line.startsWith('[GNUPG:] GOODSIG '));
        const valid = result.status.filter((line) => line.startsWith('[GNUPG:] VALIDSIG '));
        const bad = result.status.some((line) =>
          /^\[GNUPG:\] (BADSIG|ERRSIG|EXPKEYSIG|REVKEYSIG|EXPSIG) /.test(line),
        );
        if (result.exitCode !== 0 || bad || good.length !== 1 || valid.length !== 1)
          return undefined;
        // VALIDSIG <signing key fpr> <date> <ts> <expire> <ver> <res> <pk> <hash> <class> <primary fpr>
        return valid[0]?.split(' ').at(-1);
      } finally {
        await files.remove();
      }
    },
    async encrypt(recipient, plaintext) {
      const result = await run(['--encrypt', '--recipient', recipient, '--output', '-'], plaintext);
      if (result.exitCode !== 0)
        throw new Error(`gpg --encrypt failed:\n${result.status.join('\n')}`);
      return result.stdout;
    },
    async decrypt(message) {
      const result = await run(['--pinentry-mode', 'loopback', '--decrypt'], message);
      if (result.exitCode !== 0)
        throw new Error(`gpg --decrypt failed:\n${result.status.join('\n')}`);
      return result.stdout;
    },
    [Symbol.asyncDispose]: dispose,
  };
}

/** The records of an audit log (which must end with a newline: no torn line). */
export async function readAuditRecords(path: string): Promise<AuditRecord[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditRecord);
}

/**
 * Fails when one of the canaries (PINs, passphrases, plaintexts, tokens), as text or in base64
 * or hex, is found in `haystack`.
 */
export function expectNoCanary(where: string, haystack: string, canaries: readonly string[]): void {
  for (const canary of canaries) {
    const forms = [
      canary,
      Buffer.from(canary, 'utf8').toString('base64'),
      Buffer.from(canary, 'utf8').toString('base64url'),
      Buffer.from(canary, 'utf8').toString('hex'),
    ];
    for (const form of forms) {
      expect(haystack.includes(form), `${where} contains a canary (${canary.slice(0, 6)}…)`).toBe(
        false,
      );
    }
  }
}
