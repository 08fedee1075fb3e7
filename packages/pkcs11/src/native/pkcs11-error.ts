/**
 * Recognises the errors pkcs11js throws: a `Pkcs11Error` carries the PKCS#11 return value in
 * `code` (a number), a `NativeError` has `code` 0 or none. Checked by shape, never by message.
 */

/** A failed PKCS#11 call as pkcs11js reports it. */
export interface NativePkcs11Failure {
  /** The `CKR_*` value. */
  readonly code: number;
  /** The PKCS#11 function that failed (`C_Sign`, …), when pkcs11js knows it. */
  readonly method: string | undefined;
}

/** The PKCS#11 return value of an error thrown by pkcs11js, or undefined for other errors. */
export function pkcs11FailureOf(error: unknown): NativePkcs11Failure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, code, method } = error as { name?: unknown; code?: unknown; method?: unknown };
  if (name !== 'Pkcs11Error' || typeof code !== 'number' || code <= 0) return undefined;
  return { code, method: typeof method === 'string' && method !== '' ? method : undefined };
}
