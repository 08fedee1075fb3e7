/** Import from a keyserver (HKP) or a key file: protocol parsing here, I/O in `key-source`. */
export {
  DEFAULT_MAX_SOURCE_BYTES,
  DEFAULT_SOURCE_TIMEOUT_MS,
  fetchCertificate,
} from './key-source.js';
export type { KeySourceOptions } from './key-source.js';
export { parseHkpIndex, unescapeHkpField } from './hkp-index.js';
export type { HkpIndexEntry } from './hkp-index.js';
export { parseKeySearch } from './search.js';
export type { KeySearch } from './search.js';
