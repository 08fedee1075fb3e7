import { createRequire } from 'node:module';
import type { CallOptions } from '../contract/call-options.js';
import { ProviderError, isProviderError } from '../contract/errors.js';
import type { Provider } from '../contract/provider.js';
import type { SecretSource } from '../contract/secrets.js';
import {
  BUILT_IN_ADAPTERS,
  parseProviderUri,
  type ProviderConfig,
  type ProviderSpec,
} from './provider-spec.js';

/** What `loadProvider` passes to an adapter besides its config. */
export interface AdapterContext extends CallOptions {
  /** Supplies PINs and passphrases. */
  readonly secrets?: SecretSource;
}

/**
 * The module shape every adapter package exports, so that `loadProvider` can create its
 * provider without knowing it: `export const createProvider: AdapterModule['createProvider']`.
 */
export interface AdapterModule {
  /** Creates a provider from its config; rejects with a `ProviderError`. */
  createProvider(config: ProviderConfig, context: AdapterContext): Promise<Provider> | Provider;
}

/** Options of {@link loadProvider}. */
export interface LoadProviderOptions extends AdapterContext {
  /** Imports an adapter package (default: dynamic `import()`); for embedding and tests. */
  readonly importModule?: (specifier: string) => Promise<unknown>;
}

const requireFromHere = createRequire(import.meta.url);

/**
 * Creates a provider at runtime from a config object or a URI (`gpg-agent:`, `pkcs11:…`,
 * `openpgp:/dir`, `unix:/path`, `http://…`). The adapter package is imported only now, so an
 * application that never names PKCS#11 never loads its native module.
 *
 * @throws ProviderError `INVALID_INPUT` (unparseable spec, unknown type), `UNAVAILABLE` (the
 *   adapter package is not installed — the message says which one to install), or whatever
 *   the adapter throws while starting. An aborted signal rejects with its reason.
 */
export async function loadProvider(
  spec: ProviderSpec,
  options: LoadProviderOptions = {},
): Promise<Provider> {
  options.signal?.throwIfAborted();
  const config = typeof spec === 'string' ? parseProviderUri(spec) : spec;
  const packageName = adapterPackage(config);
  const loaded = await importAdapter(packageName, config.type, options.importModule);
  options.signal?.throwIfAborted();
  const context: AdapterContext = {
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return loaded.createProvider(config, context);
}

/** The npm package that implements `config.type`. */
export function adapterPackage(config: ProviderConfig): string {
  if (typeof config.type !== 'string' || config.type === '') {
    throw new ProviderError('INVALID_INPUT', 'a provider config needs a "type"');
  }
  if (typeof config.package === 'string' && config.package !== '') return config.package;
  const builtIn = BUILT_IN_ADAPTERS[config.type];
  if (builtIn === undefined) {
    throw new ProviderError(
      'INVALID_INPUT',
      `unknown provider type "${config.type}": built-in types are ${Object.keys(BUILT_IN_ADAPTERS).join(', ')}; ` +
        'name the package of a custom adapter with "package"',
    );
  }
  return builtIn;
}

async function importAdapter(
  packageName: string,
  type: string,
  importModule: ((specifier: string) => Promise<unknown>) | undefined,
): Promise<AdapterModule> {
  const notInstalled = (cause?: unknown): ProviderError =>
    new ProviderError(
      'UNAVAILABLE',
      `provider type "${type}" needs the package ${packageName}, which is not installed: npm install ${packageName}`,
      { cause },
    );
  if (!importModule && !isPath(packageName) && !isResolvable(packageName)) throw notInstalled();
  let loaded: unknown;
  try {
    loaded = await (importModule ?? ((specifier: string) => import(specifier)))(packageName);
  } catch (error) {
    if (isProviderError(error)) throw error;
    if (hasCode(error, 'ERR_MODULE_NOT_FOUND') && (importModule || isPath(packageName))) {
      throw notInstalled(error);
    }
    throw new ProviderError('UNAVAILABLE', `adapter package ${packageName} failed to load`, {
      cause: error,
    });
  }
  if (!isAdapterModule(loaded)) {
    throw new ProviderError(
      'INVALID_INPUT',
      `package ${packageName} is not a keyroute adapter: it does not export createProvider(config, context)`,
    );
  }
  return loaded;
}

/** True when Node can find the package (checked without running any of its code). */
function isResolvable(packageName: string): boolean {
  for (const candidate of [`${packageName}/package.json`, packageName]) {
    try {
      requireFromHere.resolve(candidate);
      return true;
    } catch (error) {
      // Only MODULE_NOT_FOUND means absent; ERR_PACKAGE_PATH_NOT_EXPORTED means it is there.
      if (!hasCode(error, 'MODULE_NOT_FOUND')) return true;
    }
  }
  return false;
}

/** A `file:` URL or an absolute path names a module file rather than a package. */
function isPath(specifier: string): boolean {
  return specifier.startsWith('file:') || specifier.startsWith('/');
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

function isAdapterModule(value: unknown): value is AdapterModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    'createProvider' in value &&
    typeof value.createProvider === 'function'
  );
}
