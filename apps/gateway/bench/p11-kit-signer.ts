import { CKR, type LoadedModule } from '@keyroute/pkcs11';

/** The few PKCS#11 constants a raw sign loop needs (PKCS#11 v2.40 values). */
const CKU_USER = 1;
const CKF_SERIAL_SESSION = 0x4;
const CKA_CLASS = 0x0;
const CKA_ID = 0x102;
const CKO_PRIVATE_KEY = 0x3;
const CKM_RSA_PKCS = 0x1;
const CKM_ECDSA = 0x1041;

type Pkcs11 = LoadedModule['pkcs11'];
type Handle = Buffer;

/** What a raw signer signs with, and how. */
export interface RawSignerOptions {
  /** An initialised pkcs11js instance (here: of `p11-kit-client.so`). */
  readonly pkcs11: Pkcs11;
  /** Serial number of the token. */
  readonly serial: string;
  readonly pin: string;
  /** Sessions to open: one per caller. */
  readonly sessions: number;
  /** CKA_ID of the private key, as hex. */
  readonly keyId: string;
  /** `CKM_RSA_PKCS` (over a DigestInfo) or `CKM_ECDSA` (over a bare digest). */
  readonly mechanism: 'rsa-pkcs' | 'ecdsa';
  /** What to sign: a DigestInfo (RSA) or a bare digest (ECDSA). */
  readonly input: Buffer;
  /** Size of the output buffer (the signature length). */
  readonly signatureLength: number;
}

/** A pkcs11js sign loop without any keyroute logic: sessions of its own, one per caller. */
export interface RawSigner extends Disposable {
  /** `C_SignInit` + `C_SignAsync` on caller `worker`'s session. */
  sign(worker: number): Promise<Uint8Array>;
}

function findSlot(pkcs11: Pkcs11, serial: string): Handle {
  const slot = pkcs11
    .C_GetSlotList(true)
    .find((candidate) => pkcs11.C_GetTokenInfo(candidate).serialNumber.trim() === serial);
  if (slot === undefined) throw new Error(`no token with serial ${serial}`);
  return slot;
}

/** `C_Login` as the user; CKR_USER_ALREADY_LOGGED_IN is fine. */
function logIn(pkcs11: Pkcs11, session: Handle, pin: string): void {
  try {
    pkcs11.C_Login(session, CKU_USER, pin);
  } catch (error) {
    if ((error as { code?: unknown }).code !== CKR.USER_ALREADY_LOGGED_IN) throw error;
  }
}

function findPrivateKey(pkcs11: Pkcs11, session: Handle, id: string): Handle {
  pkcs11.C_FindObjectsInit(session, [
    { type: CKA_CLASS, value: CKO_PRIVATE_KEY },
    { type: CKA_ID, value: Buffer.from(id, 'hex') },
  ]);
  const handle = pkcs11.C_FindObjects(session);
  pkcs11.C_FindObjectsFinal(session);
  if (handle === null) throw new Error(`no private key with id ${id}`);
  return handle;
}

/**
 * Opens `sessions` sessions on the token, logs in once (login state is per application and
 * token) and finds the key: what an application using the module directly does. Disposing
 * closes the sessions.
 */
export function openRawSigner(options: RawSignerOptions): RawSigner {
  const { pkcs11 } = options;
  const slot = findSlot(pkcs11, options.serial);
  const sessions: Handle[] = [];
  const close = (): void => {
    for (const session of sessions.splice(0)) pkcs11.C_CloseSession(session);
  };
  try {
    for (let index = 0; index < options.sessions; index += 1) {
      sessions.push(pkcs11.C_OpenSession(slot, CKF_SERIAL_SESSION));
    }
    const first = sessions[0];
    if (first === undefined) throw new Error('a raw signer needs at least one session');
    logIn(pkcs11, first, options.pin);
    const key = findPrivateKey(pkcs11, first, options.keyId);
    const mechanism = { mechanism: options.mechanism === 'ecdsa' ? CKM_ECDSA : CKM_RSA_PKCS };
    return {
      async sign(worker: number): Promise<Uint8Array> {
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
