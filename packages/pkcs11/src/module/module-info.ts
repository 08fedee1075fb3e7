import type { Pkcs11Version } from '../uri/types.js';

/** What `C_GetInfo` says about a module, with the space padding removed. */
export interface ModuleInfo {
  /** The absolute path the module was loaded from. */
  readonly path: string;
  readonly manufacturer: string;
  readonly description: string;
  readonly version: Pkcs11Version;
  readonly cryptokiVersion: Pkcs11Version;
}

/** Removes the blank padding PKCS#11 puts after fixed-size strings. */
export function trimPadded(value: string): string {
  return value.replace(/[\s\0]+$/u, '');
}
