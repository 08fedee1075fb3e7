import { isProviderError, ProviderError } from '@keyroute/core';
import { describe, expect, it } from 'vitest';
import { errorCodeOfReturnValue, toProviderError } from './errors.js';
import { CKR, returnCodeName } from './native/return-codes.js';

/** An error shaped like pkcs11js's Pkcs11Error (name, numeric code, method). */
function pkcs11Error(code: number, method = 'C_Sign'): Error {
  const error = new Error(`${returnCodeName(code)}:${code}`);
  Object.assign(error, { name: 'Pkcs11Error', code, method });
  return error;
}

describe('PKCS#11 return values become contract errors in one place', () => {
  it.each([
    [CKR.PIN_INCORRECT, 'BAD_SECRET'],
    [CKR.PIN_LOCKED, 'BAD_SECRET'],
    [CKR.USER_NOT_LOGGED_IN, 'LOCKED'],
    [CKR.TOKEN_NOT_PRESENT, 'UNAVAILABLE'],
    [CKR.DEVICE_REMOVED, 'UNAVAILABLE'],
    [CKR.SESSION_HANDLE_INVALID, 'UNAVAILABLE'],
    [CKR.SESSION_COUNT, 'UNAVAILABLE'],
    [CKR.MECHANISM_INVALID, 'UNSUPPORTED'],
    [CKR.KEY_FUNCTION_NOT_PERMITTED, 'DENIED'],
    [CKR.ENCRYPTED_DATA_INVALID, 'INVALID_INPUT'],
    [CKR.FUNCTION_CANCELED, 'CANCELLED'],
    [CKR.OPERATION_ACTIVE, 'INTERNAL'],
    [0x8000_0001, 'INTERNAL'],
  ])('CKR 0x%s → %s', (code, expected) => {
    expect(errorCodeOfReturnValue(code)).toBe(expected);
    const error = toProviderError(pkcs11Error(code), {
      provider: 'p',
      operation: 'sign',
      key: 'k',
    });
    expect(error.code).toBe(expected);
    expect(error.message).toContain(returnCodeName(code));
    expect(error.message).toContain('C_Sign');
    expect(error).toMatchObject({ provider: 'p', key: 'k' });
  });

  it('names unknown codes in hex, passes ProviderErrors through, wraps other errors as INTERNAL', () => {
    expect(returnCodeName(0x8000_0001)).toBe('CKR_0x80000001');
    const original = new ProviderError('TIMEOUT', 'slow');
    expect(toProviderError(original, { provider: 'p', operation: 'x' })).toBe(original);
    const wrapped = toProviderError(new TypeError('boom'), { provider: 'p', operation: 'x' });
    expect(isProviderError(wrapped) && wrapped.code).toBe('INTERNAL');
    expect(wrapped.cause).toBeInstanceOf(TypeError);
  });

  it('tells the operator what to do about a wrong or locked PIN, without retrying', () => {
    const wrong = toProviderError(pkcs11Error(CKR.PIN_INCORRECT, 'C_Login'), {
      provider: 'p',
      operation: 'log in',
    });
    expect(wrong.message).toMatch(/will not retry/);
    const locked = toProviderError(pkcs11Error(CKR.PIN_LOCKED, 'C_Login'), {
      provider: 'p',
      operation: 'log in',
    });
    expect(locked.message).toMatch(/security officer/);
  });
});
