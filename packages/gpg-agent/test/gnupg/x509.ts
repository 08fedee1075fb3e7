import { execFile } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireTool } from '@keyroute/testbed';

const execFileAsyncWithStdin = promisify(execFile);

/** Runs a command with stdin closed: gpgsm --import waits for stdin while it is an open pipe. */
function execFileAsync(
  file: string,
  args: readonly string[],
): Promise<{ stdout: string; stderr: string }> {
  const pending = execFileAsyncWithStdin(file, [...args]);
  pending.child.stdin?.end();
  return pending;
}

/** A self-signed X.509 signing certificate imported into a GNUPGHOME's gpgsm keybox. */
export interface X509TestCertificate {
  /** SHA-1 fingerprint as gpgsm lists it (upper-case hex). */
  readonly fingerprint: string;
  /** Path of the PEM certificate, for `openssl cms -verify -CAfile`. */
  readonly certificatePem: string;
  /** The DER certificate. */
  readonly der: Uint8Array;
}

/**
 * Creates a self-signed RSA certificate with openssl, imports it with its key into gpgsm
 * (PKCS#12 with SHA-1/3DES, which gpgsm 2.2 reads; empty password, loopback pinentry) and marks it
 * trusted for signing (`<fpr> S relax` in trustlist.txt).
 */
export async function createX509Certificate(
  homedir: string,
  subject = '/CN=keyroute test signer/O=keyroute',
): Promise<X509TestCertificate> {
  const openssl = await requireTool('openssl', 'openssl');
  const gpgsm = await requireTool('gpgsm', 'gpgsm');
  const key = join(homedir, 'x509-key.pem');
  const cert = join(homedir, 'x509-cert.pem');
  const der = join(homedir, 'x509-cert.der');
  const p12 = join(homedir, 'x509.p12');
  await execFileAsync(openssl, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '30',
    '-subj',
    subject,
    '-addext',
    'keyUsage=critical,digitalSignature,keyCertSign',
  ]);
  await execFileAsync(openssl, ['x509', '-in', cert, '-outform', 'DER', '-out', der]);
  await execFileAsync(openssl, [
    'pkcs12',
    '-export',
    '-inkey',
    key,
    '-in',
    cert,
    '-out',
    p12,
    '-passout',
    'pass:',
    '-keypbe',
    'PBE-SHA1-3DES',
    '-certpbe',
    'PBE-SHA1-3DES',
    '-macalg',
    'sha1',
  ]);
  await execFileAsync(gpgsm, [
    '--homedir',
    homedir,
    '--batch',
    '--pinentry-mode',
    'loopback',
    '--passphrase',
    '',
    '--import',
    p12,
  ]);
  const { stdout } = await execFileAsync(openssl, [
    'x509',
    '-in',
    cert,
    '-noout',
    '-fingerprint',
    '-sha1',
  ]);
  const match = /=([0-9A-F:]+)\s*$/i.exec(stdout);
  if (match?.[1] === undefined) throw new Error(`cannot read the fingerprint of ${cert}`);
  const fingerprint = match[1].replaceAll(':', '').toUpperCase();
  await appendFile(join(homedir, 'trustlist.txt'), `${fingerprint} S relax\n`);
  return { fingerprint, certificatePem: cert, der: new Uint8Array(await readFile(der)) };
}

/** Runs openssl with `args`; resolves with its exit code and output instead of throwing. */
export async function runOpenssl(
  args: readonly string[],
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const openssl = await requireTool('openssl', 'openssl');
  try {
    const { stdout, stderr } = await execFileAsync(openssl, [...args]);
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: unknown; stdout?: string; stderr?: string };
    return {
      exitCode: typeof failure.code === 'number' ? failure.code : -1,
      stdout: failure.stdout ?? '',
      stderr: failure.stderr ?? '',
    };
  }
}
