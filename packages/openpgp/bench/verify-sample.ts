import { createMessage, readSignature, verify, type PublicKey } from 'openpgp';

/**
 * Checks a sample detached binary signature of `data` with raw openpgp.js (`expectSigned`, the
 * signer must be `key`), so that a benchmark never measures a path that makes bad signatures.
 *
 * @throws Error naming `what` when the signature does not verify.
 */
export async function verifySample(
  what: string,
  key: PublicKey,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<void> {
  try {
    const result = await verify({
      message: await createMessage({ binary: data }),
      signature: await readSignature({ binarySignature: signature }),
      verificationKeys: key,
      expectSigned: true,
      format: 'binary',
    });
    const [first] = result.signatures;
    if (
      result.signatures.length !== 1 ||
      first === undefined ||
      !first.keyID.equals(key.getKeyID())
    ) {
      throw new Error('not exactly one signature by the key');
    }
    await first.verified;
  } catch (error) {
    throw new Error(`${what}: the sample signature does not verify`, { cause: error });
  }
}
