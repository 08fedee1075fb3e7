/**
 * @keyroute/gpg-agent — a keyroute provider over gpg-agent (Assuan), with gpg and gpgsm for
 * certificates and the OpenPGP/CMS signature formats.
 *
 * ```ts
 * import { createGpgAgentProvider } from '@keyroute/gpg-agent';
 *
 * await using provider = createGpgAgentProvider({ homedir: '/home/me/.gnupg' });
 * const [key] = await provider.listKeys();
 * ```
 */
export { createGpgAgentProvider } from './provider/provider.js';
export { createProvider } from './provider/adapter.js';
export { gpgAgentCapabilities } from './provider/capabilities.js';
export { GPG_AGENT_OPTION_NAMES, type GpgAgentProviderOptions } from './provider/options.js';
