// `gpgsm --server` spoken to over its stdin/stdout, with data passed through extra pipes (fds 3
// and 4: INPUT / OUTPUT / MESSAGE FD=n). OpenSSL makes the certificate and independently verifies
// the CMS signature gpgsm creates.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { createGpgHome, requireTool } from '@keyroute/testbed';
import type { GpgHome } from '@keyroute/testbed';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAssuanServer } from '../../src/connect/spawn.js';
import type { AssuanServerProcess } from '../../src/connect/spawn.js';

let home: GpgHome;
let workDir: string;
let openssl: string;
let gpgsm: string;
let certPem: string;
let certDer: Buffer;
let pkcs12: Buffer;
/** SHA-1 fingerprint of the certificate, upper-case hex: what gpgsm names certificates by. */
let fingerprint: string;
/** Undo steps of beforeAll, run last-first. */
const cleanup: (() => Promise<void>)[] = [];
const message = Buffer.from('a message signed by gpgsm over Assuan\n'.repeat(100));

beforeAll(async () => {
  [openssl, gpgsm] = await Promise.all([
    requireTool('openssl', 'openssl'),
    requireTool('gpgsm', 'gpgsm'),
  ]);
  home = await createGpgHome({ keys: [] });
  cleanup.push(() => home.dispose());
  workDir = await mkdtemp(join(tmpdir(), 'kr-gpgsm-'));
  cleanup.push(() => rm(workDir, { recursive: true, force: true }));
  const keyPath = join(workDir, 'key.pem');
  const certPath = join(workDir, 'cert.pem');
  // A self-signed RSA certificate that may sign (digitalSignature) and act as its own root.
  const subject = '/CN=keyroute gpgsm test/O=keyroute';
  await execa`${openssl} req -x509 -newkey rsa:2048 -nodes -keyout ${keyPath} -out ${certPath}
    -days 30 -subj ${subject} -addext keyUsage=critical,digitalSignature,keyCertSign
    -addext basicConstraints=critical,CA:TRUE`;
  certPem = await readFile(certPath, 'utf8');
  const certificate = new X509Certificate(certPem);
  certDer = certificate.raw;
  fingerprint = certificate.fingerprint.replaceAll(':', '');
  // gpgsm 2.2.40 cannot read OpenSSL 3's default PKCS#12 (PBES2/AES): use the legacy 3DES/SHA-1
  // algorithms. An empty password: gpgsm then stores the key unprotected in the agent.
  const p12Path = join(workDir, 'key.p12');
  await execa`${openssl} pkcs12 -export -inkey ${keyPath} -in ${certPath} -out ${p12Path}
    -passout pass: -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1`;
  pkcs12 = await readFile(p12Path);
  // gpg-agent's list of trusted root certificates; "relax" skips the root's extra checks.
  await writeFile(join(home.homedir, 'trustlist.txt'), `${fingerprint} S relax\n`);
});

afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** `gpgsm --server` with fds 3 and 4 as pipes. */
function startGpgsm(): Promise<AssuanServerProcess> {
  return spawnAssuanServer(
    gpgsm,
    [
      '--server',
      '--homedir',
      home.homedir,
      // No CRLs for a self-signed test root (there is no dirmngr here).
      '--disable-crl-checks',
      // The agent's NEW_PASSPHRASE inquiry for the imported key is answered empty: unprotected.
      '--pinentry-mode',
      'loopback',
    ],
    { extraPipes: 2, env: { GNUPGHOME: home.homedir } },
  );
}

function pipe(server: AssuanServerProcess, fd: number): Duplex {
  const stream = server.pipes[fd];
  if (stream === undefined) throw new Error(`no pipe on fd ${fd}`);
  return stream;
}

/** Everything a pipe delivers until its end. */
function readAll(stream: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    stream.once('end', () => {
      resolve(Buffer.concat(chunks));
    });
    stream.once('error', reject);
  });
}

function statusArgs(
  status: readonly { keyword: string; args: string }[],
  keyword: string,
): string[] {
  return status.filter((line) => line.keyword === keyword).map((line) => line.args);
}

describe('gpgsm --server through spawnAssuanServer', () => {
  it('greets and reports its version', async () => {
    await using server = await startGpgsm();
    expect(server.connection.greeting).toMatch(/^GNU Privacy Guard's S\/M server \d/);
    const { data } = await server.connection.transact('GETINFO', 'version');
    const { stdout } = await execa(gpgsm, ['--version']);
    expect(stdout.split('\n')[0]).toBe(`gpgsm (GnuPG) ${Buffer.from(data).toString()}`);
  });

  it('imports the certificate and then the key (INPUT FD=3/4 + IMPORT)', async () => {
    await using server = await startGpgsm();
    const { connection } = server;
    pipe(server, 3).end(certDer);
    await connection.transact('INPUT', 'FD=3');
    const certImport = await connection.transact('IMPORT');
    // IMPORT_OK <reason: 1 = new certificate> <fingerprint>
    expect(statusArgs(certImport.status, 'IMPORT_OK')).toEqual([`1 ${fingerprint}`]);

    pipe(server, 4).end(pkcs12);
    await connection.transact('INPUT', 'FD=4');
    const keyImport = await connection.transact('IMPORT');
    // IMPORT_RES <count> … <secret keys read> <secret keys imported> …
    const [result] = statusArgs(keyImport.status, 'IMPORT_RES');
    const fields = result?.split(' ') ?? [];
    expect(fields[9]).toBe('1');
    expect(fields[10]).toBe('1');

    const listing = Buffer.from((await connection.transact('LISTKEYS')).data).toString();
    expect(listing.split('\n')).toContain(`fpr:::::::::${fingerprint}:::${fingerprint}:`);
    const secret = Buffer.from((await connection.transact('LISTSECRETKEYS')).data).toString();
    expect(secret).toMatch(/^crs:/m);
    expect(secret).toContain(fingerprint);
  });

  it('signs detached (SIGNER, INPUT FD=3, OUTPUT FD=4, SIGN) — verified by openssl cms', async () => {
    let signature: Buffer;
    {
      await using server = await startGpgsm();
      const { connection } = server;
      // Include the signer's certificate (gpgsm leaves out the root by default).
      await connection.transact('OPTION', 'include-certs=1');
      await connection.transact('SIGNER', fingerprint);
      pipe(server, 3).end(message);
      await connection.transact('INPUT', 'FD=3');
      await connection.transact('OUTPUT', 'FD=4');
      const output = readAll(pipe(server, 4));
      const { status } = await connection.transact('SIGN', '--detached');
      // SIG_CREATED <D=detached> <pk algo 1=RSA> <hash algo 8=SHA-256> <class> <time> <fpr>
      const [created] = statusArgs(status, 'SIG_CREATED');
      expect(created).toMatch(new RegExp(`^D 1 8 00 \\d{8}T\\d{6} ${fingerprint}$`));
      signature = await output;
    }
    expect(signature.byteLength).toBeGreaterThan(200);
    const sigPath = join(workDir, 'message.p7s');
    const dataPath = join(workDir, 'message.txt');
    const caPath = join(workDir, 'cert.pem');
    await writeFile(sigPath, signature);
    await writeFile(dataPath, message);
    const cmsVerify = () =>
      execa`${openssl} cms -verify -inform DER -in ${sigPath} -binary -content ${dataPath}
        -CAfile ${caPath} -purpose any -out /dev/null`;
    expect((await cmsVerify()).stderr).toContain('Verification successful');
    await writeFile(dataPath, Buffer.concat([message, Buffer.from('tampered')]));
    await expect(cmsVerify()).rejects.toThrow(/Verification failure/);

    // gpgsm verifies it too: the signature on INPUT FD=3, the signed data on MESSAGE FD=4.
    {
      await using server = await startGpgsm();
      const { connection } = server;
      pipe(server, 3).end(signature);
      pipe(server, 4).end(message);
      await connection.transact('INPUT', 'FD=3');
      await connection.transact('MESSAGE', 'FD=4');
      const { status } = await connection.transact('VERIFY');
      const keywords = status.map((line) => line.keyword);
      expect(keywords).toContain('NEWSIG');
      expect(statusArgs(status, 'GOODSIG')[0]).toMatch(new RegExp(`^${fingerprint} `));
      expect(statusArgs(status, 'VALIDSIG')[0]).toMatch(new RegExp(`^${fingerprint} `));
      expect(keywords).toContain('TRUST_FULLY');
      expect(keywords).not.toContain('BADSIG');
    }
    {
      await using server = await startGpgsm();
      const { connection } = server;
      pipe(server, 3).end(signature);
      pipe(server, 4).end(Buffer.concat([message, Buffer.from('tampered')]));
      await connection.transact('INPUT', 'FD=3');
      await connection.transact('MESSAGE', 'FD=4');
      const { status } = await connection.transact('VERIFY');
      expect(statusArgs(status, 'BADSIG')[0]).toMatch(new RegExp(`^${fingerprint} `));
      expect(status.map((line) => line.keyword)).not.toContain('GOODSIG');
    }
  });

  it('fails SIGNER for an unknown certificate with an AssuanError from gpgsm', async () => {
    await using server = await startGpgsm();
    const unknown = '0'.repeat(40);
    const statuses: string[] = [];
    await expect(
      server.connection.transact('SIGNER', unknown, {
        onStatus: (keyword, args) => statuses.push(`${keyword} ${args}`),
      }),
    ).rejects.toMatchObject({ name: 'AssuanError', source: 3 });
    expect(statuses.some((line) => line.startsWith('INV_SGNR '))).toBe(true);
  });

  it('says BYE and reaps the child on dispose', async () => {
    const server = await startGpgsm();
    await server.dispose();
    expect(server.connection.closed).toBe(true);
    expect(server.connection.closeError).toBeUndefined();
    expect(server.child.exitCode).toBe(0);
    await server.dispose();
  });
});
