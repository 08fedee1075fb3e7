import { enums } from 'openpgp';
import type { Config, PublicKey, SignaturePacket, Subkey, User } from 'openpgp';

/** One component of a certificate whose self-signatures do not verify. */
export interface SelfSignatureFailure {
  /** `user ID "…"` or `subkey 0123…`. */
  readonly component: string;
  /** Key id (16 upper-case hex digits) when the component is a subkey. */
  readonly subkey?: string;
  readonly reason: string;
}

/** The result of {@link checkSelfSignatures}. */
export interface SelfSignatureResult {
  /** Self-signatures that verified (user ID certifications and subkey bindings). */
  readonly verified: number;
  readonly failures: readonly SelfSignatureFailure[];
}

type SignedData = Parameters<SignaturePacket['verify']>[2];

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Verifies `signatures` over `data` with the primary key, ignoring time (expiry and revocation
 * are the other checks' business: here only "was this made by the primary key over this
 * data"). Resolves to how many verified and the last failure's reason.
 */
async function verifyAll(
  key: PublicKey,
  signatures: readonly SignaturePacket[],
  signatureType: enums.signature,
  data: SignedData,
  config: Config,
): Promise<{ verified: number; reason: string | undefined }> {
  let verified = 0;
  let reason: string | undefined;
  for (const signature of signatures) {
    try {
      // A null date turns the time checks off; openpgp.js's typings only declare Date.
      await signature.verify(
        key.keyPacket,
        signatureType,
        data,
        null as unknown as Date,
        false,
        config,
      );
      verified += 1;
    } catch (error) {
      reason = reasonOf(error);
    }
  }
  return { verified, reason };
}

async function checkUser(
  key: PublicKey,
  user: User,
  config: Config,
): Promise<{ verified: number; failure?: SelfSignatureFailure }> {
  const component =
    user.userID === null ? 'a user attribute' : `user ID "${user.userID.userID.slice(0, 200)}"`;
  if (user.selfCertifications.length === 0) {
    return { verified: 0, failure: { component, reason: 'no self-signature' } };
  }
  const data = { userID: user.userID, userAttribute: user.userAttribute, key: key.keyPacket };
  const result = await verifyAll(
    key,
    user.selfCertifications,
    enums.signature.certGeneric,
    data,
    config,
  );
  if (result.verified > 0) return { verified: result.verified };
  return {
    verified: 0,
    failure: { component, reason: result.reason ?? 'no valid self-signature' },
  };
}

async function checkSubkey(
  key: PublicKey,
  subkey: Subkey,
  config: Config,
): Promise<{ verified: number; failure?: SelfSignatureFailure }> {
  const keyId = subkey.getKeyID().toHex().toUpperCase();
  const component = `subkey ${keyId}`;
  if (subkey.bindingSignatures.length === 0) {
    return { verified: 0, failure: { component, subkey: keyId, reason: 'no binding signature' } };
  }
  const data = { key: key.keyPacket, bind: subkey.keyPacket };
  const result = await verifyAll(
    key,
    subkey.bindingSignatures,
    enums.signature.subkeyBinding,
    data,
    config,
  );
  if (result.verified > 0) return { verified: result.verified };
  return {
    verified: 0,
    failure: { component, subkey: keyId, reason: result.reason ?? 'no valid binding signature' },
  };
}

/**
 * Checks that every user ID carries at least one self-signature made by the primary key, and
 * every subkey at least one binding signature made by it: a failure means a forged or
 * corrupted component (or one signed with a hash `config` rejects, such as SHA-1).
 */
export async function checkSelfSignatures(
  key: PublicKey,
  config: Config,
): Promise<SelfSignatureResult> {
  const results = await Promise.all([
    ...key.users.map((user) => checkUser(key, user, config)),
    ...key.subkeys.map((subkey) => checkSubkey(key, subkey, config)),
  ]);
  const failures: SelfSignatureFailure[] = [];
  let verified = 0;
  for (const result of results) {
    verified += result.verified;
    if (result.failure !== undefined) failures.push(result.failure);
  }
  if (key.users.every((user) => user.userID === null)) {
    failures.push({ component: 'the certificate', reason: 'has no user ID' });
  }
  return { verified, failures };
}
