import { ProviderError } from '../contract/errors.js';

/**
 * A provider configuration: `type` selects the adapter, every other field is the adapter's
 * own option (`homedir`, `module`, `token`, `dir`, `socket`, `url`, …).
 */
export interface ProviderConfig {
  /** Adapter type: `gpg-agent`, `pkcs11`, `openpgp`, `gateway`, or a custom type with `package`. */
  readonly type: string;
  /** Provider id (default: the type). */
  readonly id?: string;
  /** npm package (or absolute path / `file:` URL of a module) implementing the adapter; required for types not built in. */
  readonly package?: string;
  /** Adapter options. */
  readonly [option: string]: unknown;
}

/** A provider spec: a config object or a URI string. */
export type ProviderSpec = string | ProviderConfig;

/** The adapter package of each built-in type. */
export const BUILT_IN_ADAPTERS: Readonly<Record<string, string>> = {
  'gpg-agent': '@keyroute/gpg-agent',
  pkcs11: '@keyroute/pkcs11',
  openpgp: '@keyroute/openpgp',
  gateway: '@keyroute/client',
};

const ACCEPTED_URIS =
  '"gpg-agent:" (optionally "gpg-agent:/home/dir" or "gpg-agent:?socket=/path"), ' +
  '"pkcs11:token=…" (RFC 7512, "?module-path=…" for the module), "openpgp:/dir", ' +
  '"unix:/path/keyroute.sock" or "http(s)://host:port" for a gateway';

/**
 * Turns a URI into a {@link ProviderConfig}. Pure.
 * @throws ProviderError `INVALID_INPUT` for a URI no adapter accepts, naming the accepted forms.
 */
export function parseProviderUri(uri: string): ProviderConfig {
  const text = uri.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'gpg-agent':
      return parseGpgAgentUri(text);
    case 'pkcs11':
      return parsePkcs11Uri(text);
    case 'openpgp': {
      const dir = text.slice('openpgp:'.length);
      if (dir === '') throw invalid(text, 'an OpenPGP provider needs a directory: openpgp:/path');
      return { type: 'openpgp', dir: decodeURIComponent(dir) };
    }
    case 'unix': {
      const socket = text.slice('unix:'.length);
      if (!socket.startsWith('/')) throw invalid(text, 'a gateway socket needs an absolute path');
      return { type: 'gateway', socket };
    }
    case 'http':
    case 'https':
      return { type: 'gateway', url: new URL(text).toString() };
    default:
      throw invalid(text, `accepted forms: ${ACCEPTED_URIS}`);
  }
}

function parseGpgAgentUri(text: string): ProviderConfig {
  const rest = text.slice('gpg-agent:'.length);
  const [path = '', query = ''] = rest.split('?', 2);
  const config: Record<string, unknown> = { type: 'gpg-agent' };
  if (path !== '') config['homedir'] = decodeURIComponent(path);
  for (const [name, value] of new URLSearchParams(query)) {
    if (name !== 'socket' && name !== 'homedir') {
      throw invalid(text, `unknown gpg-agent URI parameter "${name}" (known: homedir, socket)`);
    }
    config[name] = value;
  }
  return config as ProviderConfig;
}

/** Splits off RFC 7512 query attributes; `module-path` becomes the `module` option. */
function parsePkcs11Uri(text: string): ProviderConfig {
  const queryStart = text.indexOf('?');
  const token = queryStart === -1 ? text : text.slice(0, queryStart);
  const config: Record<string, unknown> = { type: 'pkcs11', token };
  if (queryStart !== -1) {
    for (const pair of text.slice(queryStart + 1).split('&')) {
      const [name = '', value = ''] = pair.split('=', 2);
      if (name === 'module-path') config['module'] = decodeURIComponent(value);
      if (name === 'module-name') config['moduleName'] = decodeURIComponent(value);
    }
  }
  return config as ProviderConfig;
}

function invalid(uri: string, why: string): ProviderError {
  return new ProviderError('INVALID_INPUT', `cannot load a provider from "${uri}": ${why}`);
}
