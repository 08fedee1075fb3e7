import type { SignCapability } from '../contract/capabilities.js';
import type { CertificateInfo, KeyInfo } from '../contract/keys.js';
import type { SuiteContext } from './context.js';
import { randomInput } from './node-crypto.js';
import { describeError, Problems, settle } from './problems.js';
import { keysFor, signCapabilitiesFor } from './schemes.js';
import { hashesToExercise } from './sign-cases.js';

/** Non-raw signature formats, with the tool the verifier usually wraps. */
const FORMATS = [
  ['openpgp', 'gpg --verify or openpgp.js'],
  ['cms', 'openssl cms -verify or gpgsm --verify'],
] as const;

/** The certificate of `type` that binds `key`, if the provider lists one. */
function certificateFor(
  certificates: readonly CertificateInfo[],
  key: KeyInfo,
  type: CertificateInfo['type'],
): CertificateInfo | undefined {
  return certificates.find(
    (certificate) =>
      certificate.type === type && certificate.boundKeys.includes(key.aliases.spkiSha256),
  );
}

/**
 * For each non-raw format: when claimed, signs with every key that can make it (an OpenPGP
 * signature needs a key with an OpenPGP fingerprint, CMS one bound by an X.509 certificate) and
 * checks the signature with `options.verifyFormat` (and with `provider.verify` when
 * `verifyFormats` lists the format); when not claimed, `sign` with the format is `UNSUPPORTED`.
 *
 * @throws ConformanceError naming every failing case, or the verifier to pass.
 */
export async function checkSignFormats(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  const certificates = await context.provider.listCertificates();
  for (const [format, tool] of FORMATS) {
    const claimed = context.capabilities.sign.some((capability) =>
      capability.formats.includes(format),
    );
    const signers = keysFor(context.keys, 'sign');
    if (!claimed) {
      const key = signers[0];
      if (key === undefined) continue;
      await problems.expectCode(
        `${format} signatures are not claimed, so sign(format ${format}) with key "${key.id}"`,
        () => context.provider.sign({ key: key.id, data: new Uint8Array(32), format }),
        ['UNSUPPORTED'],
      );
      continue;
    }
    const verifier = context.verifyFormat[format];
    if (verifier === undefined) {
      problems.add(
        `capabilities claim ${format} signatures: pass verifyFormat.${format} (an independent check such as ${tool}) to describeProviderConformance`,
      );
      continue;
    }
    const certificateType = format === 'openpgp' ? 'openpgp' : 'x509';
    const eligible = signers.filter(
      (key) =>
        signCapabilitiesFor(context.capabilities, key, format).length > 0 &&
        (format === 'openpgp'
          ? key.aliases.openpgpFingerprint !== undefined
          : certificateFor(certificates, key, 'x509') !== undefined),
    );
    if (eligible.length === 0) {
      problems.add(
        `capabilities claim ${format} signatures but no signing key can make one (${format === 'openpgp' ? 'none has an openpgpFingerprint alias' : 'no listed X.509 certificate binds one'}): give the test backend one`,
      );
    }
    for (const key of eligible) {
      for (const capability of signCapabilitiesFor(context.capabilities, key, format)) {
        const certificate = certificateFor(certificates, key, certificateType);
        const name = `key "${key.id}" ${capability.scheme} ${format}`;
        const data = randomInput(Math.min(256, capability.maxDataLength ?? 256));
        const signed = await settle(() =>
          context.provider.sign({
            key: key.id,
            data,
            format,
            scheme: capability.scheme,
            ...hashOf(capability, context),
          }),
        );
        if (signed.rejected) {
          problems.check(false, `${name}: sign rejected with ${describeError(signed.error)}`);
          continue;
        }
        const { signature } = signed.value;
        if (signed.value.format !== format)
          problems.add(`${name}: result.format is ${signed.value.format}`);
        const args = {
          signature,
          data,
          key,
          ...(certificate === undefined ? {} : { certificate }),
        };
        const valid = await settle(() => verifier(args));
        problems.check(
          !valid.rejected && valid.value,
          `${name}: verifyFormat.${format} ${valid.rejected ? `threw ${describeError(valid.error)}` : 'rejects the signature'}`,
        );
        if (context.capabilities.verifyFormats.includes(format)) {
          const verified = await settle(() =>
            context.provider.verify({
              key: key.id,
              data,
              signature,
              format,
              scheme: capability.scheme,
            }),
          );
          problems.check(
            !verified.rejected && verified.value.valid,
            `${name}: provider.verify answered ${verified.rejected ? describeError(verified.error) : 'valid: false'}`,
          );
        }
      }
    }
  }
  problems.throwIfAny('OpenPGP and CMS signatures');
}

function hashOf(capability: SignCapability, context: SuiteContext) {
  const [hash] = hashesToExercise(capability, context.hashes);
  return hash === undefined ? {} : { hash };
}
