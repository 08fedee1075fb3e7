/**
 * `remoteKeyCrypto` through a real gateway: `@peculiar/x509` makes a PKCS#10 request and a
 * self-signed certificate for keys held on a SoftHSM2 token and in gpg-agent, signed by the
 * gateway client; openssl checks both signatures, and the certificate must carry the key's SPKI.
 */
// @peculiar/x509 resolves its algorithms with tsyringe, which needs a Reflect metadata polyfill.
import 'reflect-metadata';
import { createPublicKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createGatewayClient,
  remoteKeyCrypto,
  type RemoteKeyCrypto,
  type RemoteKeyCryptoOptions,
} from '@keyroute/client';
import type { Provider } from '@keyroute/core';
import {
  createGpgHome,
  createSoftHsmToken,
  type GpgHome,
  type SoftHsmToken,
} from '@keyroute/testbed';
import * as x509 from '@peculiar/x509';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup, shortTempDir } from '../e2e/checks.js';
import { startTestGateway } from './test-gateway.js';

const cleanup = new Cleanup();
let token: SoftHsmToken;
let gpgHome: GpgHome;
let client: Provider;
let work: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  work = cleanup.add(await shortTempDir('krx-'), (dir) => dir.remove());
  [token, gpgHome] = await Promise.all([
    createSoftHsmToken().then((t) => cleanup.add(t, (x) => x.dispose())),
    createGpgHome({
      keys: [
        { name: 'rsa2048', primary: 'rsa2048' },
        { name: 'nistp256', primary: 'nistp256' },
      ],
    }).then((home) => cleanup.add(home, (h) => h.dispose())),
  ]);
  // SoftHSM reads its configuration when the module is initialised in this process.
  process.env['SOFTHSM2_CONF'] = token.conf;
  process.env['KR_X509_TEST_PIN'] = token.pin;
  const gateway = await startTestGateway([
    {
      id: 'hsm',
      type: 'pkcs11',
      module: token.module,
      token: `pkcs11:token=${token.label};serial=${token.serial}`,
      pin: { env: 'KR_X509_TEST_PIN' },
    },
    { id: 'gpg', type: 'gpg-agent', homedir: gpgHome.homedir, launch: false },
  ]);
  cleanup.add(gateway, (g) => g[Symbol.asyncDispose]());
  client = cleanup.add(
    await createGatewayClient({ address: { url: gateway.url }, token: gateway.token }),
    (c) => c[Symbol.asyncDispose](),
  );
});

afterAll(() => cleanup.run());

/** Gateway id of a gpg-agent primary key: `gpg:<keygrip>`. */
function gpgRef(spec: string): string {
  const key = gpgHome.keys.find((candidate) => candidate.spec === spec);
  if (key === undefined) throw new Error(`no gpg key ${spec}`);
  return `gpg:${key.keygrip}`;
}

/** The SPKI the token itself reports (read back with p11tool), by CKA_ID. */
function tokenSpki(id: string): Uint8Array {
  const key = token.keys.find((candidate) => candidate.id === id);
  if (key === undefined) throw new Error(`no token key ${id}`);
  return key.publicKeySpki;
}

function pemToDer(pem: string): Uint8Array {
  return new Uint8Array(createPublicKey(pem).export({ type: 'spki', format: 'der' }));
}

async function openssl(args: readonly string[]): Promise<{ ok: boolean; output: string }> {
  const result = await execa('openssl', args, { reject: false, all: true });
  return { ok: result.exitCode === 0, output: result.all };
}

/** What openssl makes of a CSR and a self-signed certificate written to `name`.{csr,crt}.pem. */
interface OpensslFindings {
  readonly csrVerified: boolean;
  readonly certVerified: boolean;
  readonly csrSpki: Uint8Array;
  readonly certSpki: Uint8Array;
  readonly signatureAlgorithm: string;
  readonly output: string;
}

async function checkWithOpenssl(
  name: string,
  csrPem: string,
  certPem: string,
): Promise<OpensslFindings> {
  const csrFile = join(work.path, `${name}.csr.pem`);
  const certFile = join(work.path, `${name}.crt.pem`);
  await writeFile(csrFile, csrPem);
  await writeFile(certFile, certPem);
  const req = await openssl(['req', '-verify', '-noout', '-in', csrFile]);
  // -check_ss_sig: openssl does not check a trust anchor's own signature unless asked to.
  const verify = await openssl(['verify', '-check_ss_sig', '-CAfile', certFile, certFile]);
  const csrKey = await openssl(['req', '-in', csrFile, '-pubkey', '-noout']);
  const certKey = await openssl(['x509', '-in', certFile, '-pubkey', '-noout']);
  const text = await openssl(['x509', '-in', certFile, '-noout', '-text']);
  return {
    csrVerified: req.ok && /verify OK/i.test(req.output),
    certVerified: verify.ok && verify.output.trim() === `${certFile}: OK`,
    csrSpki: pemToDer(csrKey.output),
    certSpki: pemToDer(certKey.output),
    signatureAlgorithm: /Signature Algorithm: (\S+)/.exec(text.output)?.[1] ?? '',
    output: [req.output, verify.output].join('\n'),
  };
}

const ONE_DAY = 24 * 60 * 60 * 1000;

/** A CSR and a self-signed CA certificate for the key, made by @peculiar/x509 with `remote`. */
async function issue(remote: RemoteKeyCrypto, subject: string) {
  const { keys, signingAlgorithm, crypto } = remote;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: subject,
      keys,
      signingAlgorithm,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature)],
    },
    crypto,
  );
  const notBefore = new Date(Date.now() - ONE_DAY);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: subject,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 30 * ONE_DAY),
      keys,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
      ],
    },
    crypto,
  );
  return { csr, cert };
}

interface Case {
  readonly name: string;
  readonly ref: () => string;
  /** The key's SPKI from a source other than the gateway, where the test has one. */
  readonly spki?: () => Uint8Array;
  readonly options: RemoteKeyCryptoOptions;
  /** The signature algorithm openssl names in the certificate. */
  readonly algorithm: string;
}

const cases: readonly Case[] = [
  {
    name: 'hsm-rsa2048',
    ref: () => 'hsm:01',
    spki: () => tokenSpki('01'),
    options: {},
    algorithm: 'sha256WithRSAEncryption',
  },
  {
    name: 'hsm-p256',
    ref: () => 'hsm:02',
    spki: () => tokenSpki('02'),
    options: {},
    algorithm: 'ecdsa-with-SHA256',
  },
  {
    name: 'hsm-rsa2048-pss',
    ref: () => 'hsm:01',
    spki: () => tokenSpki('01'),
    options: { rsa: 'RSA-PSS', hash: 'SHA-384' },
    algorithm: 'rsassaPss',
  },
  {
    name: 'hsm-p384',
    ref: () => 'hsm:03',
    spki: () => tokenSpki('03'),
    options: {},
    algorithm: 'ecdsa-with-SHA384',
  },
  {
    name: 'hsm-ed25519',
    ref: () => 'hsm:05',
    spki: () => tokenSpki('05'),
    options: {},
    algorithm: 'ED25519',
  },
  {
    name: 'gpg-rsa2048',
    ref: () => gpgRef('rsa2048'),
    options: {},
    algorithm: 'sha256WithRSAEncryption',
  },
  {
    name: 'gpg-nistp256',
    ref: () => gpgRef('nistp256'),
    options: {},
    algorithm: 'ecdsa-with-SHA256',
  },
];

describe('@peculiar/x509 with remote keys through the gateway client', () => {
  it.each(cases)(
    '$name: a CSR and a self-signed certificate that openssl verifies',
    async ({ name, ref, spki, options, algorithm }) => {
      const remote = await remoteKeyCrypto(client, ref(), options);
      if (spki !== undefined) expect(remote.key.publicKey).toEqual(spki());
      const subject = `CN=${name}, O=keyroute test`;
      const { csr, cert } = await issue(remote, subject);
      expect(cert.subject).toBe(subject);
      expect(await cert.isSelfSigned(remote.crypto)).toBe(true);
      const found = await checkWithOpenssl(name, csr.toString('pem'), cert.toString('pem'));
      expect(found.csrVerified, found.output).toBe(true);
      expect(found.certVerified, found.output).toBe(true);
      expect(found.signatureAlgorithm).toBe(algorithm);
      expect(found.certSpki).toEqual(remote.key.publicKey);
      expect(found.csrSpki).toEqual(remote.key.publicKey);
    },
  );

  it('openssl rejects a certificate whose signature was altered', async () => {
    const remote = await remoteKeyCrypto(client, 'hsm:02');
    const { cert } = await issue(remote, 'CN=tampered');
    const der = new Uint8Array(cert.rawData);
    // The last byte belongs to the signature value (the BIT STRING ends the certificate).
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
    const pem = x509.PemConverter.encode(der.buffer, 'CERTIFICATE');
    const file = join(work.path, 'tampered.crt.pem');
    await writeFile(file, pem);
    const verify = await openssl(['verify', '-check_ss_sig', '-CAfile', file, file]);
    expect(verify.ok, verify.output).toBe(false);
  });

  it('gpg-agent makes no RSA-PSS signatures: signing rejects with UNSUPPORTED', async () => {
    // The gateway's capabilities include the token's PSS, so the refusal comes from gpg-agent.
    const remote = await remoteKeyCrypto(client, gpgRef('rsa2048'), { rsa: 'RSA-PSS' });
    await expect(issue(remote, 'CN=pss')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});
