import { staticSecret } from '@keyroute/core';
import { createSoftHsmToken, type SoftHsmToken, type SoftHsmTokenOptions } from '@keyroute/testbed';
import {
  createPkcs11Provider,
  type Pkcs11Provider,
  type Pkcs11ProviderOptions,
} from '../src/index.js';

/**
 * A SoftHSM token store for this test process. SoftHSM reads SOFTHSM2_CONF when the module is
 * initialised, and the module is initialised once per process, so each test file (vitest runs
 * each in its own fork) uses one store.
 */
export async function createProcessToken(options: SoftHsmTokenOptions = {}): Promise<SoftHsmToken> {
  const token = await createSoftHsmToken(options);
  process.env['SOFTHSM2_CONF'] = token.conf;
  return token;
}

/** The URI naming a testbed token by label and serial. */
export function tokenUriOf(token: SoftHsmToken): string {
  return `pkcs11:token=${encodeURIComponent(token.label)};serial=${token.serial}`;
}

/** A provider over a testbed token, logged in with its PIN. */
export function providerFor(
  token: SoftHsmToken,
  options: Partial<Pkcs11ProviderOptions> = {},
): Promise<Pkcs11Provider> {
  return createPkcs11Provider({
    module: token.module,
    token: tokenUriOf(token),
    secrets: staticSecret(token.pin),
    ...options,
  });
}
