import type { PKCS11 } from 'pkcs11js';
import type { MechanismFlags } from './capabilities.js';

/**
 * The token's mechanisms with their flags. Synchronous; called once per token binding. A module
 * without mechanisms (a trust store such as p11-kit-trust) gives an empty map.
 */
export function readMechanisms(pkcs11: PKCS11, slot: Buffer): MechanismFlags {
  let list: number[];
  try {
    list = pkcs11.C_GetMechanismList(slot);
  } catch {
    return new Map();
  }
  const mechanisms = new Map<number, number>();
  for (const mechanism of list) {
    try {
      mechanisms.set(mechanism, pkcs11.C_GetMechanismInfo(slot, mechanism).flags);
    } catch {
      // A mechanism the module lists but cannot describe is not offered.
    }
  }
  return mechanisms;
}
