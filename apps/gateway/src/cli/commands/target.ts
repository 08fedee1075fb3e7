import {
  ProviderError,
  isProviderError,
  loadProvider,
  parseProviderUri,
  secretFromEnv,
  type KeyInfo,
  type Provider,
  type ProviderConfig,
  type ProviderSpec,
} from '@keyroute/core';
import type { Flags } from './args.js';
import { CliUsageError } from './errors.js';

/** The flags that choose where the keys are, which every key command takes. */
export const TARGET_FLAGS = ['gateway', 'token-env', 'provider', 'secret-env'] as const;

/** The environment variables the target comes from when no flag names it. */
export const ENV = { gateway: 'KEYROUTE_GATEWAY', token: 'KEYROUTE_TOKEN' } as const;

/** Where the keys are, as the command line named it. */
interface TargetChoice {
  readonly spec: ProviderSpec;
  readonly secretEnv: string | undefined;
  /** How the target was addressed, for messages: `--gateway unix:/run/k.sock`. */
  readonly addressedBy: string;
  /** True for a gateway: a refusal may be a missing or wrong token. */
  readonly gateway: boolean;
  /** Where the gateway token came from, when there is one. */
  readonly tokenFrom: string | undefined;
}

function parseProviderSpec(text: string): ProviderSpec {
  if (!text.trimStart().startsWith('{')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(
      `--provider: not a URI and not a JSON config object: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliUsageError('--provider: a JSON config must be an object with a "type"');
  }
  return parsed as ProviderConfig;
}

/**
 * Decides the target: `--gateway <uri>` (else `$KEYROUTE_GATEWAY`) with the token of
 * `--token-env NAME` (else `$KEYROUTE_TOKEN`), or `--provider <spec>` with the secrets of
 * `--secret-env NAME`. Exactly one target, or a usage error.
 */
export function chooseTarget(flags: Flags, env: NodeJS.ProcessEnv = process.env): TargetChoice {
  const gatewayFlag = flags.value('gateway');
  const providerFlag = flags.value('provider');
  const tokenEnv = flags.value('token-env');
  const secretEnv = flags.value('secret-env');
  if (gatewayFlag !== undefined && providerFlag !== undefined) {
    throw new CliUsageError('give one target: --gateway or --provider, not both');
  }
  if (providerFlag !== undefined) {
    if (tokenEnv !== undefined) {
      throw new CliUsageError(
        '--token-env goes with --gateway; a gateway URI given to --provider takes $KEYROUTE_TOKEN',
      );
    }
    if (secretEnv !== undefined && env[secretEnv] === undefined) {
      throw new CliUsageError(`--secret-env ${secretEnv}: the variable ${secretEnv} is not set`);
    }
    return {
      spec: parseProviderSpec(providerFlag),
      secretEnv,
      addressedBy: `--provider ${providerFlag}`,
      gateway: false,
      tokenFrom: undefined,
    };
  }
  const fromEnv = env[ENV.gateway];
  const uri = gatewayFlag ?? (fromEnv === '' ? undefined : fromEnv);
  if (uri === undefined) {
    throw new CliUsageError(
      `no target: give --gateway unix:/path.sock|http://host:port (or set ${ENV.gateway}), ` +
        'or --provider <spec> (openpgp:/dir, gpg-agent:, pkcs11:…?module-path=…)',
    );
  }
  if (secretEnv !== undefined) {
    throw new CliUsageError(
      '--secret-env goes with --provider: a gateway holds the PINs and passphrases itself',
    );
  }
  const addressedBy = gatewayFlag !== undefined ? `--gateway ${uri}` : `${ENV.gateway}=${uri}`;
  let config: ProviderConfig;
  try {
    config = parseProviderUri(uri);
  } catch (error) {
    throw new CliUsageError(`${addressedBy}: ${error instanceof Error ? error.message : ''}`);
  }
  if (config.type !== 'gateway') {
    throw new CliUsageError(
      `${addressedBy}: a gateway is addressed as unix:/path.sock or http(s)://host:port; ` +
        `for a local adapter use --provider ${uri}`,
    );
  }
  const tokenName = tokenEnv ?? ENV.token;
  const token = env[tokenName];
  if (tokenEnv !== undefined && (token === undefined || token === '')) {
    throw new CliUsageError(`--token-env ${tokenEnv}: the variable ${tokenEnv} is not set`);
  }
  const hasToken = token !== undefined && token !== '';
  return {
    spec: { ...config, ...(hasToken ? { token } : {}) },
    secretEnv: undefined,
    addressedBy,
    gateway: true,
    tokenFrom: hasToken ? `$${tokenName}` : undefined,
  };
}

/** Adds how the target was addressed (and what to check) to errors that concern reaching it. */
function explain(error: unknown, choice: TargetChoice): unknown {
  if (!isProviderError(error)) return error;
  let hint: string | undefined;
  if (error.code === 'UNAVAILABLE' || error.code === 'TIMEOUT') {
    hint = `addressed by ${choice.addressedBy}`;
  } else if (error.code === 'DENIED' && choice.gateway) {
    hint =
      choice.tokenFrom === undefined
        ? `no token was sent: set ${ENV.token} or name a variable with --token-env`
        : `token from ${choice.tokenFrom}; gateway addressed by ${choice.addressedBy}`;
  } else if ((error.code === 'LOCKED' || error.code === 'BAD_SECRET') && !choice.gateway) {
    hint =
      choice.secretEnv === undefined
        ? 'give the PIN or passphrase in an environment variable named by --secret-env'
        : `the secret came from $${choice.secretEnv}`;
  }
  if (hint === undefined) return error;
  return new ProviderError(error.code, `${error.message} (${hint})`, {
    cause: error,
    ...(error.provider === undefined ? {} : { provider: error.provider }),
    ...(error.key === undefined ? {} : { key: error.key }),
  });
}

/**
 * Opens the target through core's `loadProvider` (a gateway URI loads `@keyroute/client`),
 * runs `body` with it and disposes of it. Errors about reaching the target name how it was
 * addressed.
 */
export async function withTarget<T>(
  flags: Flags,
  body: (provider: Provider) => Promise<T>,
): Promise<T> {
  const choice = chooseTarget(flags);
  let provider: Provider;
  try {
    provider = await loadProvider(choice.spec, {
      ...(choice.secretEnv === undefined ? {} : { secrets: secretFromEnv(choice.secretEnv) }),
    });
  } catch (error) {
    throw explain(error, choice);
  }
  try {
    return await body(provider);
  } catch (error) {
    throw explain(error, choice);
  } finally {
    await Promise.resolve(provider[Symbol.asyncDispose]()).catch(() => undefined);
  }
}

/** How many keys a miss lists when no key is close to the reference. */
const LISTED_ON_MISS = 5;

/**
 * The key a reference names. A miss is `KEY_NOT_FOUND` naming the closest candidates (core's
 * wording); when none is close, the message lists some of the keys there are instead.
 */
export async function resolveKey(provider: Provider, reference: string): Promise<KeyInfo> {
  try {
    return await provider.getKey(reference);
  } catch (error) {
    if (!isProviderError(error) || error.code !== 'KEY_NOT_FOUND') throw error;
    if (error.message.includes('closest:') || error.message.includes('has no keys')) throw error;
    const keys = await provider.listKeys().catch(() => []);
    if (keys.length === 0) throw error;
    const shown = keys
      .slice(0, LISTED_ON_MISS)
      .map((key) => `"${key.id}"${key.label === undefined ? '' : ` (${key.label})`}`)
      .join(', ');
    const more = keys.length > LISTED_ON_MISS ? `, and ${keys.length - LISTED_ON_MISS} more` : '';
    throw new ProviderError(
      'KEY_NOT_FOUND',
      `${error.message}; keys there: ${shown}${more} (keyroute keys lists them)`,
      {
        cause: error,
        key: reference,
        ...(error.provider === undefined ? {} : { provider: error.provider }),
      },
    );
  }
}
