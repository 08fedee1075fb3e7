import { createRequire } from 'node:module';
import type * as Pkcs11Js from 'pkcs11js';
import type { PKCS11 } from 'pkcs11js';

const pkcs11js = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11Js;

/** What a raw signer signs with, and how. */
export interface RawSignerOptions {
  /** An initialised pkcs11js instance (the provider's, from `acquireModule`). */
  readonly pkcs11: PKCS11;
  /** Serial number of the token. */
  readonly serial: string;
  readonly pin: string;
  /** Sessions to open: one per caller. */
  readonly sessions: number;
  /** CKA_ID of the private key, as hex. */
  readonly keyId: string;
  /** `CKM_RSA_PKCS` or `CKM_ECDSA`. */
  readonly mechanism: 'rsa-pkcs' | 'ecdsa';
  /** What to sign: a DigestInfo (RSA) or a bare digest (ECDSA). */
  readonly input: Buffer;
  /** Size of the output buffer (the signature length). */
  readonly signatureLength: number;
}

/** A pkcs11js sign loop without the provider: sessions of its own, one per caller. */
export interface RawSigner extends Disposable {
  /** `C_SignInit` + `C_SignAsync` on caller `worker`'s session. */
  sign(worker: number): Promise<Uint8Array>;
}

/** The slot holding the token with `serial`. */
function findSlot(pkcs11: PKCS11, serial: string): Buffer {
  const slot = pkcs11
    .C_GetSlotList(true)
    .find((candidate) => pkcs11.C_GetTokenInfo(candidate).serialNumber.trim() === serial);
  if (slot === undefined) throw new Error(`no token with serial ${serial}`);
  return slot;
}

/** `C_Login` as the user; the application may already be logged in (by the provider). */
function logIn(pkcs11: PKCS11, session: Buffer, pin: string): void {
  try {
    pkcs11.C_Login(session, pkcs11js.CKU_USER, pin);
  } catch (error) {
    const alreadyIn =
      error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_USER_ALREADY_LOGGED_IN;
    if (!alreadyIn) throw error;
  }
}

/** The handle of the private key with CKA_ID `id`. */
function findPrivateKey(pkcs11: PKCS11, session: Buffer, id: string): Buffer {
  pkcs11.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_ID, value: Buffer.from(id, 'hex') },
  ]);
  const handle = pkcs11.C_FindObjects(session);
  pkcs11.C_FindObjectsFinal(session);
  if (handle === null) throw new Error(`no private key with id ${id}`);
  return handle;
}

/**
 * Opens `sessions` sessions on the token, logs in once (login state is per application and
 * token, so one `C_Login` covers every session) and finds the key. Disposing closes the sessions.
 */
export function openRawSigner(options: RawSignerOptions): RawSigner {
  const { pkcs11 } = options;
  const slot = findSlot(pkcs11, options.serial);
  const sessions: Buffer[] = [];
  const close = (): void => {
    for (const session of sessions.splice(0)) pkcs11.C_CloseSession(session);
  };
  try {
    for (let index = 0; index < options.sessions; index += 1) {
      sessions.push(pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION));
    }
    const first = sessions[0];
    if (first === undefined) throw new Error('a raw signer needs at least one session');
    logIn(pkcs11, first, options.pin);
    const key = findPrivateKey(pkcs11, first, options.keyId);
    const mechanism = {
      mechanism: options.mechanism === 'ecdsa' ? pkcs11js.CKM_ECDSA : pkcs11js.CKM_RSA_PKCS,
    };
    return {
      sign(worker: number): Promise<Uint8Array> {
        const session = sessions[worker];
        if (session === undefined) throw new Error(`no session for caller ${worker}`);
        pkcs11.C_SignInit(session, mechanism, key);
        return pkcs11.C_SignAsync(session, options.input, Buffer.alloc(options.signatureLength));
      },
      [Symbol.dispose]: close,
    };
  } catch (error) {
    close();
    throw error;
  }
}
