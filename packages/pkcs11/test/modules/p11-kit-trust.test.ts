import { X509Certificate } from 'node:crypto';
import { hasErrorCode, isProviderError, type CertificateInfo } from '@keyroute/core';
import { checkCertificateList } from '@keyroute/core/testing';
import { requireP11KitModule } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPkcs11Provider, type Pkcs11Provider } from '../../src/index.js';
import {
  countCertificateObjects,
  isFile,
  listSlots,
  pemBundleFingerprints,
  sha256Hex,
  type SlotListing,
} from './tools.js';

/*
 * p11-kit-trust.so: a second real PKCS#11 module, unlike SoftHSM in every way that matters here.
 * One read-only token per trust path ("System Trust" on Debian, whose slot description is the
 * path it reads: /etc/ssl/certs/ca-certificates.crt), no login, no mechanisms, no private or
 * public key objects, hundreds of CA certificates plus about a thousand trust objects of classes
 * keyroute does not read (NSS trust, trust assertions, certificate extensions).
 */

/** Where every Debian-like system keeps the token p11-kit calls "System Trust". */
const SYSTEM_TRUST = 'System Trust';

/** Percent-encodes a PKCS#11 URI attribute value (RFC 7512 §2.3): every byte but unreserved. */
function pk11(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
}

/** The URI naming one trust token: model, label and serial (p11-kit numbers its tokens). */
function uriOf(slot: SlotListing): string {
  return `pkcs11:model=${pk11(slot.model)};token=${pk11(slot.label)};serial=${pk11(slot.serial)}`;
}

/** Settles a promise into its rejection reason (undefined when it resolved). */
function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
}

describe('p11-kit-trust.so (the system trust store as a read-only token)', () => {
  interface Setup {
    readonly module: string;
    readonly slots: readonly SlotListing[];
    readonly slot: SlotListing;
    readonly provider: Pkcs11Provider;
    readonly certificates: readonly CertificateInfo[];
  }
  let setup: Setup | undefined;
  const current = (): Setup => {
    if (setup === undefined) throw new Error('the provider was not created: see beforeAll');
    return setup;
  };

  beforeAll(async () => {
    const module = await requireP11KitModule('p11-kit-trust');
    // pkcs11-tool (OpenSC) lists the module's tokens in its own process. The module has one
    // token per configured trust path; prefer "System Trust", else the first one.
    const slots = await listSlots(module);
    const slot = slots.find((candidate) => candidate.label === SYSTEM_TRUST) ?? slots[0];
    if (slot === undefined) throw new Error(`${module} has no token (pkcs11-tool --list-slots)`);
    // No secrets: the token does not require login.
    const provider = await createPkcs11Provider({ module, token: uriOf(slot) });
    setup = { module, slots, slot, provider, certificates: await provider.listCertificates() };
  });

  afterAll(async () => {
    await setup?.provider[Symbol.asyncDispose]();
  });

  it('binds the token the URI names, in the trust module', () => {
    const { module, slot, provider } = current();
    expect(provider.module.path).toBe(module);
    expect(provider.module.manufacturer).toBe('PKCS#11 Kit');
    expect(provider.token.label).toBe(slot.label);
    expect(provider.token.serial).toBe(slot.serial);
    expect(provider.token.model).toBe('p11-kit-trust');
  });

  it('a URI naming every trust token opens the only one, or is INVALID_INPUT when there are several', async () => {
    const { module, slots } = current();
    const opening = createPkcs11Provider({ module, token: 'pkcs11:model=p11-kit-trust' });
    if (slots.length === 1) {
      const provider = await opening;
      try {
        expect(provider.token.label).toBe(slots[0]?.label);
      } finally {
        await provider[Symbol.asyncDispose]();
      }
    } else {
      const error = await rejectionOf(opening);
      expect(hasErrorCode(error, 'INVALID_INPUT'), String(error)).toBe(true);
    }
  });

  it('listCertificates returns many well-formed X.509 certificates', () => {
    const { provider, certificates } = current();
    expect(certificates.length).toBeGreaterThanOrEqual(20);
    // core's checks: unique ids, provider id, DER that node:crypto parses, fingerprint = SHA-256
    // of the DER, boundKeys includes the certificate's own key, serial, dates in order.
    checkCertificateList(certificates, provider);
    for (const certificate of certificates) {
      const name = `certificate ${certificate.fingerprint}`;
      expect(certificate.type, name).toBe('x509');
      const parsed = new X509Certificate(Buffer.from(certificate.encoded));
      expect(certificate.fingerprint, name).toBe(sha256Hex(certificate.encoded));
      expect(certificate.id, name).toBe(certificate.fingerprint);
      expect(certificate.subjects.length, name).toBe(1);
      expect(certificate.subjects[0], name).not.toBe('');
      expect(certificate.issuer ?? '', name).not.toBe('');
      const { notBefore, notAfter } = certificate;
      expect(notBefore, name).toBeInstanceOf(Date);
      expect(notAfter, name).toBeInstanceOf(Date);
      if (notBefore !== undefined && notAfter !== undefined) {
        expect(notBefore.getTime(), name).toBeLessThan(notAfter.getTime());
        expect(notBefore.getTime(), name).toBe(new Date(parsed.validFrom).getTime());
        expect(notAfter.getTime(), name).toBe(new Date(parsed.validTo).getTime());
      }
      const spki = parsed.publicKey.export({ type: 'spki', format: 'der' });
      expect(certificate.boundKeys, name).toEqual([sha256Hex(spki)]);
    }
  });

  it('lists the trust store exactly: the same certificates as the PEM bundle the token reads', async (context) => {
    const { slot, certificates } = current();
    // Independent and exact: p11-kit-trust names each token's slot after the trust path it
    // reads (CK_SLOT_INFO.slotDescription, as pkcs11-tool prints it). On Debian that is one PEM
    // bundle, /etc/ssl/certs/ca-certificates.crt, which node:crypto parses here: the set of
    // SHA-256 fingerprints of its certificates must equal the set the provider lists (the
    // provider lists a DER once, as p11-kit does). A directory (Fedora's ca-trust source tree,
    // with .p11-kit files) cannot be read this way, so the check is skipped there.
    if (!(await isFile(slot.description))) {
      context.skip(`trust path "${slot.description}" is not a PEM bundle file`);
    }
    const expected = await pemBundleFingerprints(slot.description);
    const listed = new Set(certificates.map((certificate) => certificate.fingerprint));
    expect(listed.size).toBe(certificates.length);
    expect([...listed].filter((fingerprint) => !expected.has(fingerprint))).toEqual([]);
    expect([...expected].filter((fingerprint) => !listed.has(fingerprint))).toEqual([]);
  });

  it('lists as many certificates as p11tool finds on the token', async () => {
    const { module, slot, certificates } = current();
    // GnuTLS's p11tool, in its own process, counts the token's certificate objects. Exact as
    // long as no two objects hold the same DER (the provider lists each DER once).
    expect(await countCertificateObjects(module, uriOf(slot))).toBe(certificates.length);
  });

  it('listKeys lists no private key (the module has no key pairs)', async () => {
    const { provider } = current();
    const keys = await provider.listKeys();
    for (const key of keys) {
      expect(key.hasPrivateKey, key.id).toBe(false);
      expect(key.usages, key.id).toEqual([]);
    }
  });

  it('sign with any reference is KEY_NOT_FOUND or UNSUPPORTED', async () => {
    const { provider, certificates } = current();
    const keys = await provider.listKeys();
    const certificate = certificates[0];
    const references = [
      'no-such-key',
      ...keys.map((key) => key.id),
      ...(certificate === undefined
        ? []
        : [
            certificate.fingerprint,
            `x509-sha256:${certificate.fingerprint}`,
            ...certificate.boundKeys,
            ...certificate.boundKeys.map((alias) => `spki-sha256:${alias}`),
          ]),
    ];
    for (const key of references) {
      const error = await rejectionOf(provider.sign({ key, data: new Uint8Array([1, 2, 3]) }));
      expect(isProviderError(error), `sign with ${key}: ${String(error)}`).toBe(true);
      expect(
        hasErrorCode(error, 'KEY_NOT_FOUND') || hasErrorCode(error, 'UNSUPPORTED'),
        `sign with ${key}: ${String(error)}`,
      ).toBe(true);
    }
  });

  it('capabilities() offer no signing and no decryption (the module has no mechanisms)', () => {
    const capabilities = current().provider.capabilities();
    expect(capabilities.sign).toEqual([]);
    expect(capabilities.decrypt).toEqual([]);
    expect(capabilities.certificates).toBe(true);
  });

  it('dispose is clean: twice is harmless, calls afterwards are UNAVAILABLE', async () => {
    const { module, slot } = current();
    // A second provider over the same token (the module is loaded once and shared).
    const provider = await createPkcs11Provider({ module, token: uriOf(slot) });
    expect((await provider.listCertificates()).length).toBe(current().certificates.length);
    await provider[Symbol.asyncDispose]();
    await provider[Symbol.asyncDispose]();
    const error = await rejectionOf(provider.listCertificates());
    expect(hasErrorCode(error, 'UNAVAILABLE'), String(error)).toBe(true);
    // The first provider still works: disposing one user leaves the shared module loaded.
    expect((await current().provider.listCertificates()).length).toBe(
      current().certificates.length,
    );
  });
});
