import { describeProviderConformance } from '@keyroute/core/testing';
import type { SoftHsmToken } from '@keyroute/testbed';
import { afterAll } from 'vitest';
import { createProcessToken, providerFor } from '../helpers.js';

// One token store for the process (see helpers.ts); the suite's second target (dispose
// tests) opens a second provider over the same token.
let token: Promise<SoftHsmToken> | undefined;

afterAll(async () => {
  await (await token)?.dispose();
});

describeProviderConformance({
  name: 'pkcs11 (SoftHSM2)',
  create: async () => {
    token ??= createProcessToken();
    const provider = await providerFor(await token);
    return { provider };
  },
  hashes: ['sha256', 'sha384', 'sha1'],
});
