import { execFile } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { requireTool } from '@keyroute/testbed';

/*
 * Independent readers of a PKCS#11 module for the module tests: OpenSC's pkcs11-tool and
 * GnuTLS's p11tool, each in its own process, so that what they report owes nothing to pkcs11js
 * or to the provider under test.
 */

const execFileAsync = promisify(execFile);

async function runTool(
  command: string,
  debianPackage: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<string> {
  const file = await requireTool(command, debianPackage);
  const { stdout } = await execFileAsync(file, args, {
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  return stdout;
}

/** A slot with a token, as `pkcs11-tool --list-slots` prints it. */
export interface SlotListing {
  /** `CK_SLOT_INFO.slotDescription` (p11-kit-trust: the path of the trust store it reads). */
  readonly description: string;
  readonly label: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly serial: string;
}

/** The slots of `module` that hold a token (`pkcs11-tool --module … --list-slots`). */
export async function listSlots(module: string): Promise<SlotListing[]> {
  const stdout = await runTool('pkcs11-tool', 'opensc', ['--module', module, '--list-slots']);
  const slots: SlotListing[] = [];
  // `Slot 0 (0x12): <description>` then indented `name : value` lines.
  for (const block of stdout.split(/^(?=Slot \d+ )/m)) {
    const header = /^Slot \d+ \(0x[0-9a-f]+\): (.*)$/m.exec(block);
    if (header === null) continue;
    const field = (name: string): string | undefined =>
      new RegExp(`^\\s+${name}\\s*: (.*)$`, 'm').exec(block)?.[1]?.trim();
    const label = field('token label');
    if (label === undefined) continue; // (empty) slot
    slots.push({
      description: (header[1] ?? '').trim(),
      label,
      manufacturer: field('token manufacturer') ?? '',
      model: field('token model') ?? '',
      serial: field('serial num') ?? '',
    });
  }
  return slots;
}

/**
 * The mechanisms of a token with their flags (`pkcs11-tool --list-mechanisms`): name (OpenSC's,
 * e.g. `RSA-PKCS-OAEP`) → words such as `sign`, `decrypt`, `derive`.
 */
export async function listMechanisms(
  module: string,
  tokenLabel: string,
  env: Readonly<Record<string, string>>,
): Promise<Map<string, string[]>> {
  const stdout = await runTool(
    'pkcs11-tool',
    'opensc',
    ['--module', module, '--token-label', tokenLabel, '--list-mechanisms'],
    env,
  );
  const mechanisms = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('  ')) continue;
    // `  RSA-PKCS, keySize={512,16384}, encrypt, decrypt, sign, verify, wrap, unwrap`
    const [name, ...flags] = line.trim().split(', ');
    if (name !== undefined && name !== '') mechanisms.set(name, flags);
  }
  return mechanisms;
}

/** How many certificate objects `p11tool --list-all-certs` finds on the token `uri` names. */
export async function countCertificateObjects(module: string, uri: string): Promise<number> {
  const stdout = await runTool('p11tool', 'gnutls-bin', [
    '--provider',
    module,
    '--list-all-certs',
    uri,
  ]);
  return stdout.match(/^Object \d+:/gm)?.length ?? 0;
}

/** SHA-256 of DER bytes, lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** True when `path` is a regular file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The SHA-256 fingerprints of the DER certificates in a PEM bundle, parsed with node:crypto.
 *
 * @throws Error when the file holds PEM blocks other than `CERTIFICATE` (an OpenSSL `TRUSTED
 *   CERTIFICATE` carries extra trust data after the DER and would need its own parser).
 */
export async function pemBundleFingerprints(path: string): Promise<Set<string>> {
  const text = await readFile(path, 'utf8');
  const others = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)]
    .map((match) => match[1])
    .filter((type) => type !== 'CERTIFICATE');
  if (others.length > 0) {
    throw new Error(`${path} holds PEM blocks this test does not parse: ${others.join(', ')}`);
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return new Set(blocks.map((block) => sha256Hex(new X509Certificate(block).raw)));
}
