import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';

/** What one gpg call left: its binary stdout, its `[GNUPG:]` status lines and exit code. */
export interface GpgRun {
  readonly stdout: Uint8Array;
  readonly status: readonly string[];
  readonly stderr: string;
  readonly exitCode: number;
}

/** Options of one {@link GpgRunner.run} call. */
export interface GpgRunOptions {
  /** Written to stdin (stdin is empty otherwise). */
  readonly input?: Uint8Array | string;
  /** Unlocks a protected key through `--pinentry-mode loopback --passphrase-file` (never argv). */
  readonly passphrase?: string;
}

/** Runs gpg on one GNUPGHOME, with files in a scratch folder of its own. */
export interface GpgRunner extends AsyncDisposable {
  readonly homedir: string;
  /** `gpg --homedir … --batch --no-tty --trust-model always --status-fd 2 <args>`. */
  run(args: readonly string[], options?: GpgRunOptions): Promise<GpgRun>;
  /** Writes `content` to a fresh file of the scratch folder and returns its path. */
  file(content: Uint8Array | string): Promise<string>;
  /** A fresh path in the scratch folder that does not exist yet (for `--output`). */
  path(): string;
}

/** A runner for the GnuPG home `homedir`; dispose removes only the runner's own scratch files. */
export async function createGpgRunner(homedir: string): Promise<GpgRunner> {
  const scratch = await mkdtemp(join(tmpdir(), 'kr-gpgio-'));
  let count = 0;
  const path = (): string => {
    count += 1;
    return join(scratch, `f${count}`);
  };
  const file = async (content: Uint8Array | string): Promise<string> => {
    const name = path();
    await writeFile(name, content, { mode: 0o600 });
    return name;
  };
  const run = async (args: readonly string[], options: GpgRunOptions = {}): Promise<GpgRun> => {
    const unlock =
      options.passphrase === undefined
        ? []
        : ['--pinentry-mode', 'loopback', '--passphrase-file', await file(options.passphrase)];
    const base = ['--homedir', homedir, '--batch', '--no-tty', '--trust-model', 'always'];
    const child = await execa('gpg', [...base, '--status-fd', '2', ...unlock, ...args], {
      env: { GNUPGHOME: homedir, LC_ALL: 'C' },
      input: options.input === undefined ? '' : Buffer.from(options.input),
      encoding: 'buffer',
      stripFinalNewline: false,
      reject: false,
      timeout: 60_000,
    });
    const stderr = Buffer.from(child.stderr).toString('utf8');
    return {
      stdout: new Uint8Array(child.stdout),
      status: stderr.split('\n').filter((line) => line.startsWith('[GNUPG:] ')),
      stderr,
      exitCode: child.exitCode ?? -1,
    };
  };
  const dispose = (): Promise<void> => rm(scratch, { recursive: true, force: true });
  return { homedir, run, file, path, [Symbol.asyncDispose]: dispose };
}

/** The fields (after the keyword) of every status line with `keyword`. */
export function statusFields(run: GpgRun, keyword: string): string[][] {
  return run.status
    .map((line) => line.split(' '))
    .filter((fields) => fields[1] === keyword)
    .map((fields) => fields.slice(2));
}

const SIGNATURE_TROUBLE =
  /^\[GNUPG:\] (BADSIG|ERRSIG|EXPSIG|EXPKEYSIG|REVKEYSIG|NO_PUBKEY|FAILURE) /;
const DECRYPTION_TROUBLE = /^\[GNUPG:\] (DECRYPTION_FAILED|BADMDC|ERROR|FAILURE) /;

/**
 * Asserts that gpg exited 0 and reported exactly one signature, good (GOODSIG with the long key
 * ID) and valid (VALIDSIG naming `fingerprint` as signing and as primary key, signature class
 * `sigClass`: `00` binary, `01` text), and no bad, erroneous, expired or revoked one.
 */
export function expectGoodSignature(run: GpgRun, fingerprint: string, sigClass: '00' | '01'): void {
  expect(run.exitCode, run.stderr).toBe(0);
  expect(run.status.filter((line) => SIGNATURE_TROUBLE.test(line))).toEqual([]);
  expect(statusFields(run, 'NEWSIG')).toHaveLength(1);
  const good = statusFields(run, 'GOODSIG');
  expect(good, run.stderr).toHaveLength(1);
  expect(good[0]?.[0]).toBe(fingerprint.slice(-16));
  const valid = statusFields(run, 'VALIDSIG');
  expect(valid, run.stderr).toHaveLength(1);
  const fields = valid[0] ?? [];
  expect(fields[0]).toBe(fingerprint);
  expect(fields[8]).toBe(sigClass);
  expect(fields[9]).toBe(fingerprint);
}

/**
 * Asserts that gpg exited 0 after decrypting a message addressed to exactly `keyIds` (long key
 * IDs of the encryption subkeys) with its integrity checked: DECRYPTION_OKAY and GOODMDC once
 * each, nothing failed, and no secret key missing but those of `withoutSecret`.
 */
export function expectDecrypted(
  run: GpgRun,
  keyIds: readonly string[],
  withoutSecret: readonly string[] = [],
): void {
  expect(run.exitCode, run.stderr).toBe(0);
  expect(run.status.filter((line) => DECRYPTION_TROUBLE.test(line))).toEqual([]);
  expect(statusFields(run, 'DECRYPTION_OKAY'), run.stderr).toHaveLength(1);
  expect(statusFields(run, 'GOODMDC'), run.stderr).toHaveLength(1);
  const recipients = statusFields(run, 'ENC_TO').map((fields) => fields[0]);
  expect(recipients.sort()).toEqual([...keyIds].sort());
  const missing = statusFields(run, 'NO_SECKEY').map((fields) => fields[0]);
  expect(missing.sort()).toEqual([...withoutSecret].sort());
}
