import type { PKCS11 } from 'pkcs11js';
import { trimPadded } from '../module/module-info.js';
import { CKF } from '../native/constants.js';
import type { TokenDescription } from '../uri/match.js';

/** A token as `C_GetTokenInfo` describes it (strings trimmed), in the slot it was found in. */
export interface TokenDetails extends TokenDescription {
  /** The slot handle, valid until the token moves. */
  readonly slot: Buffer;
  /** The slot id as a number (for `slot-id=` in URIs and for messages). */
  readonly slotId: number;
  /** `CK_TOKEN_INFO.flags`. */
  readonly flags: number;
  /** Sessions the token allows at once; undefined when it does not say (or says unlimited). */
  readonly maxSessions: number | undefined;
}

/** Largest session count taken literally; bigger values are "unlimited"/"unknown" markers. */
const PLAUSIBLE_SESSION_LIMIT = 1_000_000;

/** Reads a slot handle (a native `CK_SLOT_ID` in a Buffer) as a number. */
export function slotIdOf(slot: Buffer): number {
  if (slot.length === 8) return Number(slot.readBigUInt64LE(0));
  if (slot.length === 4) return slot.readUInt32LE(0);
  return Number.parseInt(slot.toString('hex'), 16);
}

/** Reads `C_GetTokenInfo` of a slot. Synchronous: never call it on a request's hot path. */
export function readTokenDetails(pkcs11: PKCS11, slot: Buffer): TokenDetails {
  const info = pkcs11.C_GetTokenInfo(slot);
  const max = info.maxSessionCount;
  return {
    slot,
    slotId: slotIdOf(slot),
    label: trimPadded(info.label),
    manufacturer: trimPadded(info.manufacturerID),
    model: trimPadded(info.model),
    serial: trimPadded(info.serialNumber),
    flags: info.flags,
    maxSessions: max > 0 && max < PLAUSIBLE_SESSION_LIMIT ? max : undefined,
  };
}

/** True when the token wants `C_Login` before private objects can be used. */
export function needsLogin(token: TokenDetails): boolean {
  return (token.flags & CKF.LOGIN_REQUIRED) !== 0;
}

/** True when the PIN is entered on the device itself (PIN pad), so `C_Login` takes none. */
export function hasProtectedAuthenticationPath(token: TokenDetails): boolean {
  return (token.flags & CKF.PROTECTED_AUTHENTICATION_PATH) !== 0;
}

/** Describes a token for messages: `"keyroute" (serial 1a2b…, slot 123)`. Never secret. */
export function describeToken(token: TokenDescription & { readonly slotId?: number }): string {
  const slot = token.slotId === undefined ? '' : `, slot ${token.slotId}`;
  return `"${token.label}" (serial ${token.serial}${slot})`;
}
