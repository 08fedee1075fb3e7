import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** A throw-away GnuPG home holding some public keys, for checking our output with real gpg. */
export interface GpgVerifier extends AsyncDisposable {
  readonly homedir: string;
  /** Imports armored keys (public or secret). */
  importKeys(armored: string): Promise<void>;
  /** True when gpg reports exactly one good, valid signature by `fingerprint`. */
  verifies(
    signature: Uint8Array,
    data: Uint8Array | undefined,
    fingerprint: string,
  ): Promise<boolean>;
  /** Runs gpg with the home and status on fd 1 lines prefixed `[GNUPG:]`. */
  run(
    args: readonly string[],
    input?: Uint8Array | string,
  ): Promise<{ stdout: Uint8Array; status: string[]; exitCode: number }>;
}

/** Creates a GnuPG home (mode 0700, short path) and kills its agent on dispose. */
export async function createGpgVerifier(): Promise<GpgVerifier> {
  const homedir = await mkdtemp(join(tmpdir(), 'kr-pgp-'));
  const base = ['--homedir', homedir, '--batch', '--no-tty', '--trust-model', 'always'];
  const run: GpgVerifier['run'] = async (args, input) => {
    const result = await execa('gpg', [...base, '--status-fd', '2', ...args], {
      input: input === undefined ? '' : typeof input === 'string' ? input : Buffer.from(input),
      encoding: 'buffer',
      reject: false,
    });
    const status = Buffer.from(result.stderr)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.startsWith('[GNUPG:] '));
    return { stdout: new Uint8Array(result.stdout), status, exitCode: result.exitCode ?? -1 };
  };
  const dispose = async (): Promise<void> => {
    await execa('gpgconf', ['--homedir', homedir, '--kill', 'all'], { reject: false });
    await rm(homedir, { recursive: true, force: true });
  };
  return {
    homedir,
    run,
    async importKeys(armored) {
      const result = await run(['--import'], armored);
      if (result.exitCode !== 0)
        throw new Error(`gpg --import failed: ${result.status.join('\n')}`);
    },
    async verifies(signature, data, fingerprint) {
      const dir = await mkdtemp(join(tmpdir(), 'kr-pgpv-'));
      try {
        const signaturePath = join(dir, 'signature');
        await writeFile(signaturePath, signature);
        const args = ['--verify', signaturePath];
        if (data !== undefined) {
          await writeFile(join(dir, 'data'), data);
          args.push(join(dir, 'data'));
        }
        const result = await run(args);
        const good = result.status.filter((line) => line.startsWith('[GNUPG:] GOODSIG '));
        const valid = result.status.filter((line) => line.startsWith('[GNUPG:] VALIDSIG '));
        const bad = result.status.some((line) =>
          /^\[GNUPG:\] (BADSIG|ERRSIG|EXPKEYSIG|REVKEYSIG|EXPSIG) /.test(line),
        );
        return (
          result.exitCode === 0 &&
          !bad &&
          good.length === 1 &&
          valid.length === 1 &&
          valid[0]?.split(' ')[2]?.toUpperCase() === fingerprint.toUpperCase()
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    dispose,
    [Symbol.asyncDispose]: dispose,
  } as GpgVerifier & { dispose: () => Promise<void> };
}
