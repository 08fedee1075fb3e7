import type { KeyInfo } from '@keyroute/core';

/** A key the agent holds, with what the provider needs besides its public `KeyInfo`. */
export interface AgentKey {
  /** The public description returned by `listKeys`. */
  readonly info: KeyInfo;
  /** The agent's keygrip (also `info.id`). */
  readonly keygrip: string;
  /** The key is protected by a passphrase (`KEYINFO` protection `P`). */
  readonly protected: boolean;
  /** The OpenPGP fingerprint of the certificate's (sub)key that is this key, if any. */
  readonly openpgpFingerprint?: string;
  /** The SHA-1 fingerprint gpgsm names the X.509 certificate of this key by, if any. */
  readonly x509Fingerprint?: string;
}
