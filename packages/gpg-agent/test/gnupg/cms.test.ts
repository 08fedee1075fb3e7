import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@keyroute/core';
import type { ProviderError } from '@keyroute/core';
import { createGpgHome } from '@keyroute/testbed';
import type { GpgHome } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpgsmSign, gpgsmVerify, listX509Certificates } from '../../src/gnupg/index.js';
import { createX509Certificate, runOpenssl } from './x509.js';
import type { X509TestCertificate } from './x509.js';

const encoder = new TextEncoder();
let home: GpgHome;
let certificate: X509TestCertificate;
let scratch: string;

beforeAll(async () => {
  home = await createGpgHome({ keys: [{ name: 'ed', primary: 'ed25519' }] });
  scratch = await mkdtemp(join(tmpdir(), 'kr-cms-test-'));
});

afterAll(async () => {
  await home.dispose();
  await rm(scratch, { recursive: true, force: true });
});

describe('X.509 through gpgsm', () => {
  it('lists no certificates in a fresh home', async () => {
    expect(await listX509Certificates({ homedir: home.homedir })).toEqual([]);
  });

  it('lists an imported certificate with its DER encoding and secret key', async () => {
    certificate = await createX509Certificate(home.homedir, '/CN=Signer: keyroute/O=Key\\,route');
    const listed = await listX509Certificates({ homedir: home.homedir });
    expect(listed).toHaveLength(1);
    const [entry] = listed;
    expect(entry?.type).toBe('x509');
    expect(entry?.primary.fingerprint).toBe(certificate.fingerprint);
    expect(entry?.primary.secret).toBe(true);
    expect(entry?.primary.keygrip).toMatch(/^[0-9A-F]{40}$/);
    expect(entry?.primary.usage).toContain('s');
    expect(entry?.subject).toBe('O=Key\\,route,CN=Signer: keyroute');
    expect(entry?.issuer).toBe(entry?.subject);
    expect(entry?.serial).toMatch(/^[0-9A-F]+$/);
    expect(entry?.encoded).toEqual(certificate.der);
  });

  it('makes a detached CMS signature that openssl accepts', async () => {
    const data = encoder.encode('CMS signed by keyroute\n');
    const signature = await gpgsmSign({
      homedir: home.homedir,
      signer: certificate.fingerprint,
      data,
    });
    const dir = await mkdtemp(join(scratch, 's-'));
    await writeFile(join(dir, 'sig.der'), signature);
    await writeFile(join(dir, 'data'), data);
    await writeFile(join(dir, 'tampered'), encoder.encode('CMS signed by someone\n'));
    const verify = (content: string) =>
      runOpenssl([
        'cms',
        '-verify',
        '-inform',
        'DER',
        '-in',
        join(dir, 'sig.der'),
        '-binary',
        '-content',
        join(dir, content),
        '-CAfile',
        certificate.certificatePem,
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ]);
    const good = await verify('data');
    expect(good.exitCode, good.stderr).toBe(0);
    expect((await verify('tampered')).exitCode).not.toBe(0);

    const ok = await gpgsmVerify({ homedir: home.homedir, signature, data });
    expect(ok.valid).toBe(true);
    expect(ok.fingerprint).toBe(certificate.fingerprint);
    const bad = await gpgsmVerify({
      homedir: home.homedir,
      signature,
      data: encoder.encode('CMS signed by someone\n'),
    });
    expect(bad.valid).toBe(false);
    expect(bad.status.some((line) => line.keyword === 'BADSIG')).toBe(true);
  });

  it('maps an unknown signer to KEY_NOT_FOUND and garbage to valid: false', async () => {
    let error: ProviderError | undefined;
    try {
      await gpgsmSign({
        homedir: home.homedir,
        signer: 'AB'.repeat(20),
        data: encoder.encode('x'),
      });
    } catch (caught) {
      error = caught as ProviderError;
    }
    expect(error?.code).toBe(ErrorCode.KEY_NOT_FOUND);
    const garbage = await gpgsmVerify({
      homedir: home.homedir,
      signature: encoder.encode('not CMS'),
      data: encoder.encode('x'),
    });
    expect(garbage.valid).toBe(false);
  });
});
