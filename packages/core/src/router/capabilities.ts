import type { ProviderCapabilities } from '../contract/capabilities.js';

/** The union of several providers' capabilities: what the router can do for some key. */
export function mergeCapabilities(all: readonly ProviderCapabilities[]): ProviderCapabilities {
  return {
    sign: all.flatMap((c) => c.sign),
    decrypt: all.flatMap((c) => c.decrypt),
    encrypt: all.flatMap((c) => c.encrypt),
    verifyFormats: [...new Set(all.flatMap((c) => c.verifyFormats))],
    certificates: all.some((c) => c.certificates),
  };
}
