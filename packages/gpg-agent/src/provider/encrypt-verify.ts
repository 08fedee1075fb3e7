import { X509Certificate } from 'node:crypto';
import {
  ProviderError,
  encryptToPublicKey,
  verifySignature,
  type CertificateInfo,
  type EncryptRequest,
  type EncryptResult,
  type VerifyRequest,
  type VerifyResult,
} from '@keyroute/core';
import { gpgVerifyDetached, gpgsmVerify, runGpg } from '../gnupg/index.js';
import { homedirOption, type ProviderContext } from './context.js';
import { sha256Hex, type ListedCertificate } from './list-keys.js';

/**
 * Encrypts to a key the agent holds: `rsa-oaep` and `ecdh` in software from its public key,
 * `openpgp` with `gpg --encrypt` to its OpenPGP (sub)key.
 *
 * @throws ProviderError `KEY_NOT_FOUND`, `UNSUPPORTED`, `INVALID_INPUT`.
 */
export async function encryptToAgentKey(
  context: ProviderContext,
  request: EncryptRequest,
  signal: AbortSignal,
): Promise<EncryptResult> {
  const key = await context.directory.find(request.key, signal);
  const keyRef = { id: key.info.id, provider: key.info.provider };
  if (request.scheme !== 'openpgp') {
    const result = await encryptToPublicKey(key.info.publicKey, request, { signal });
    return { ...result, key: keyRef };
  }
  if (!(request.plaintext instanceof Uint8Array)) {
    throw new ProviderError('INVALID_INPUT', 'the plaintext must be a Uint8Array', {
      provider: context.options.id,
    });
  }
  const recipients = [key];
  for (const reference of request.additionalRecipients ?? []) {
    recipients.push(await context.directory.find(reference, signal));
  }
  const args = ['--encrypt', '--trust-model', 'always'];
  for (const recipient of recipients) {
    if (recipient.openpgpFingerprint === undefined || !recipient.info.usages.includes('decrypt')) {
      throw new ProviderError(
        'UNSUPPORTED',
        `key ${recipient.info.id} is not an OpenPGP encryption (sub)key in the keyring`,
        { provider: context.options.id, key: recipient.info.id },
      );
    }
    // "!" forces this exact subkey.
    args.push('--recipient', `${recipient.openpgpFingerprint}!`);
  }
  if (request.armor ?? true) args.push('--armor');
  const result = await runGpg(args, {
    ...homedirOption(context),
    input: request.plaintext,
    signal,
  });
  const ended = result.status.some((line) => line.keyword === 'END_ENCRYPTION');
  if (result.exitCode !== 0 || !ended) {
    throw new ProviderError(
      'INTERNAL',
      `gpg --encrypt failed with exit code ${result.exitCode}: ${result.stderr.trim().slice(-500)}`,
      { provider: context.options.id, key: request.key },
    );
  }
  return { scheme: 'openpgp', key: keyRef, ciphertext: result.stdout };
}

/**
 * Verifies a signature: `raw` in software with the key's public key, `openpgp` with
 * `gpg --verify`, `cms` with `gpgsm --verify`; the signature must also come from this key.
 *
 * @throws ProviderError `KEY_NOT_FOUND`, `UNSUPPORTED`, `INVALID_INPUT`; a bad signature is
 *   `valid: false`.
 */
export async function verifyWithAgentKey(
  context: ProviderContext,
  request: VerifyRequest,
  signal: AbortSignal,
): Promise<VerifyResult> {
  const key = await context.directory.find(request.key, signal);
  const keyRef = { id: key.info.id, provider: key.info.provider };
  const format: unknown = request.format ?? 'raw';
  if (format === 'raw') {
    const valid = await verifySignature(key.info.publicKey, request, { signal });
    return { valid, key: keyRef };
  }
  if (format !== 'openpgp' && format !== 'cms') {
    throw new ProviderError('UNSUPPORTED', `unknown signature format ${String(format)}`, {
      provider: context.options.id,
    });
  }
  const { data } = request;
  if (!(data instanceof Uint8Array)) {
    throw new ProviderError(
      'UNSUPPORTED',
      `${format} signatures are verified over data, not a digest`,
      {
        provider: context.options.id,
      },
    );
  }
  if (format === 'openpgp') {
    const outcome = await gpgVerifyDetached({
      ...homedirOption(context),
      signature: request.signature,
      data,
      signal,
    });
    const fingerprint = outcome.fingerprint?.toUpperCase();
    const fromKey = fingerprint !== undefined && fingerprint === key.openpgpFingerprint;
    const valid = outcome.valid && fromKey;
    return {
      valid,
      key: keyRef,
      ...(fingerprint === undefined
        ? {}
        : {
            signer: {
              fingerprint,
              ...(outcome.createdAt === undefined ? {} : { createdAt: outcome.createdAt }),
            },
          }),
      ...(valid
        ? {}
        : {
            reason: outcome.valid
              ? 'the signature was made by another key'
              : (outcome.reason ?? 'bad signature'),
          }),
    };
  }
  const outcome = await gpgsmVerify({
    ...homedirOption(context),
    signature: request.signature,
    data,
    signal,
  });
  const fingerprint = outcome.fingerprint?.toUpperCase();
  const valid =
    outcome.valid &&
    fingerprint !== undefined &&
    fingerprint === key.x509Fingerprint?.toUpperCase();
  return {
    valid,
    key: keyRef,
    ...(fingerprint === undefined ? {} : { signer: { fingerprint } }),
    ...(valid
      ? {}
      : { reason: outcome.valid ? 'the signature was made by another key' : 'bad signature' }),
  };
}

/** The SPKI SHA-256 of an X.509 certificate's own key, or undefined when node cannot parse it. */
function certificateKeyAlias(encoded: Uint8Array): string | undefined {
  try {
    const spki = new X509Certificate(Buffer.from(encoded)).publicKey.export({
      format: 'der',
      type: 'spki',
    });
    return sha256Hex(spki);
  } catch {
    return undefined;
  }
}

/**
 * The certificates gpg and gpgsm list, with the keys they bind (the SPKI SHA-256 of every agent
 * key matched by keygrip, plus an X.509 certificate's own key).
 */
export async function listAgentCertificates(
  context: ProviderContext,
  signal: AbortSignal,
): Promise<CertificateInfo[]> {
  const listing = await context.directory.listing(signal);
  const aliasByGrip = new Map(
    listing.keys.map((key) => [key.keygrip, key.info.aliases.spkiSha256]),
  );
  const bound = (certificate: ListedCertificate): string[] => {
    const aliases = new Set<string>();
    for (const key of [certificate.primary, ...certificate.subkeys]) {
      const alias =
        key.keygrip === undefined ? undefined : aliasByGrip.get(key.keygrip.toUpperCase());
      if (alias !== undefined) aliases.add(alias);
    }
    return [...aliases];
  };
  const provider = context.options.id;
  const certificates: CertificateInfo[] = [];
  for (const certificate of listing.openpgp) {
    const { primary } = certificate;
    certificates.push({
      id: primary.fingerprint.toUpperCase(),
      provider,
      type: 'openpgp',
      encoded: certificate.encoded,
      subjects: [...certificate.userIds],
      fingerprint: primary.fingerprint.toUpperCase(),
      ...(primary.created === undefined ? {} : { notBefore: primary.created }),
      ...(primary.expires === undefined ? {} : { notAfter: primary.expires }),
      ...(primary.revoked ? { revoked: true } : {}),
      boundKeys: bound(certificate),
    });
  }
  for (const certificate of listing.x509) {
    const { primary } = certificate;
    const own = certificateKeyAlias(certificate.encoded);
    const boundKeys = new Set(bound(certificate));
    if (own !== undefined) boundKeys.add(own);
    const fingerprint = sha256Hex(certificate.encoded);
    certificates.push({
      id: fingerprint,
      provider,
      type: 'x509',
      encoded: certificate.encoded,
      subjects:
        certificate.subject === undefined ? [...certificate.userIds] : [certificate.subject],
      ...(certificate.issuer === undefined ? {} : { issuer: certificate.issuer }),
      ...(certificate.serial === undefined ? {} : { serialNumber: certificate.serial }),
      fingerprint,
      ...(primary.created === undefined ? {} : { notBefore: primary.created }),
      ...(primary.expires === undefined ? {} : { notAfter: primary.expires }),
      ...(primary.revoked ? { revoked: true } : {}),
      boundKeys: [...boundKeys],
    });
  }
  return certificates;
}
