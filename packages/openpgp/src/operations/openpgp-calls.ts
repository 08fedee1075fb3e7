/* eslint-disable @typescript-eslint/no-unnecessary-type-assertion --
 * openpgp.js types its results through stream-generic types (`MaybeStream`, `GenericWebStream`)
 * that typescript-eslint resolves inconsistently; this file pins the plain types the non-stream
 * inputs used here produce, so that the rest of the package is checked strictly. */
import {
  CleartextMessage,
  decrypt,
  encrypt,
  sign,
  verify,
  type Config,
  type KeyID,
  type Message,
  type PrivateKey,
  type PublicKey,
  type Signature,
  type VerifyMessageResult,
} from 'openpgp';

/** Signs a message or cleartext message; armored text or binary bytes. */
export async function signMessage(options: {
  readonly message: Message<Uint8Array> | CleartextMessage;
  readonly signingKeys: PrivateKey;
  readonly signingKeyIDs: KeyID[];
  readonly detached: boolean;
  readonly armored: boolean;
  readonly config: Partial<Config>;
}): Promise<string | Uint8Array> {
  const { message, signingKeys, signingKeyIDs, detached, config } = options;
  if (message instanceof CleartextMessage) {
    return (await sign({
      message,
      signingKeys,
      signingKeyIDs,
      config,
    })) as string;
  }
  const binary = message;
  return options.armored
    ? ((await sign({
        message: binary,
        signingKeys,
        signingKeyIDs,
        detached,
        config,
        format: 'armored',
      })) as string)
    : ((await sign({
        message: binary,
        signingKeys,
        signingKeyIDs,
        detached,
        config,
        format: 'binary',
      })) as Uint8Array);
}

/** Encrypts to certificates; armored text or binary bytes. */
export async function encryptMessage(options: {
  readonly message: Message<Uint8Array>;
  readonly encryptionKeys: PublicKey[];
  readonly armored: boolean;
}): Promise<string | Uint8Array> {
  const { message, encryptionKeys } = options;
  return options.armored
    ? ((await encrypt({ message, encryptionKeys, format: 'armored' })) as string)
    : ((await encrypt({ message, encryptionKeys, format: 'binary' })) as Uint8Array);
}

/** Decrypts a message to bytes. */
export async function decryptMessageBytes(options: {
  readonly message: Message<Uint8Array>;
  readonly decryptionKeys: PrivateKey;
  readonly config: Partial<Config>;
}): Promise<Uint8Array> {
  const result = await decrypt({ ...options, format: 'binary' });
  return result.data as Uint8Array;
}

/** What {@link verifyMessage} gives. */
export type VerifyOutcome = VerifyMessageResult<string | Uint8Array>;

/** Verifies a signed message, a cleartext message, or a detached signature over a message. */
export async function verifyMessage(options: {
  readonly message: Message<Uint8Array> | CleartextMessage;
  readonly signature?: Signature;
  readonly verificationKeys: PublicKey;
}): Promise<VerifyOutcome> {
  const { message, signature, verificationKeys } = options;
  if (message instanceof CleartextMessage) {
    return (await verify({
      message,
      verificationKeys,
      expectSigned: true,
    })) as VerifyOutcome;
  }
  return (await verify({
    message,
    ...(signature === undefined ? {} : { signature }),
    verificationKeys,
    expectSigned: true,
    format: 'binary',
  })) as VerifyOutcome;
}
