import { ProviderError } from '../../src/contract/errors.js';
import type { KeyInfo } from '../../src/contract/keys.js';
import type { Provider } from '../../src/contract/provider.js';

/** How a wrapped provider misbehaves: a fault the real backend cannot be made to produce on cue. */
export interface Faults {
  mode: 'ok' | 'down' | 'hang';
  /** Keys hidden from listings (to simulate keys appearing later). */
  hidden: Set<string>;
  listings: number;
}

/** Wraps a real provider so that a test can make its listing fail, hang or hide keys. */
export function withFaults(provider: Provider): { provider: Provider; faults: Faults } {
  const faults: Faults = { mode: 'ok', hidden: new Set(), listings: 0 };
  const gate = async <T>(work: () => Promise<T>): Promise<T> => {
    if (faults.mode === 'down') {
      throw new ProviderError('UNAVAILABLE', `provider "${provider.id}" is down (test fault)`, {
        provider: provider.id,
      });
    }
    if (faults.mode === 'hang') await new Promise(() => undefined);
    return work();
  };
  const wrapped: Provider = {
    id: provider.id,
    kind: provider.kind,
    capabilities: () => provider.capabilities(),
    listKeys: (options) =>
      gate(async () => {
        faults.listings += 1;
        const keys: readonly KeyInfo[] = await provider.listKeys(options);
        return keys.filter((key) => !faults.hidden.has(key.id));
      }),
    listCertificates: (options) => gate(() => provider.listCertificates(options)),
    getKey: (reference, options) => gate(() => provider.getKey(reference, options)),
    sign: (request, options) => gate(() => provider.sign(request, options)),
    verify: (request, options) => gate(() => provider.verify(request, options)),
    decrypt: (request, options) => gate(() => provider.decrypt(request, options)),
    encrypt: (request, options) => gate(() => provider.encrypt(request, options)),
    [Symbol.asyncDispose]: () => provider[Symbol.asyncDispose](),
  };
  return { provider: wrapped, faults };
}
