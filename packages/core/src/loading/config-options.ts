import { ProviderError } from '../contract/errors.js';
import type { ProviderConfig } from './provider-spec.js';

function invalidType(adapter: string, name: string, type: string, value: unknown): ProviderError {
  return new ProviderError(
    'INVALID_INPUT',
    `${adapter} config "${name}" must be a ${type}; got ${typeof value}`,
  );
}

/**
 * A string option of an adapter config, or undefined when absent.
 * @throws ProviderError `INVALID_INPUT` naming the adapter and the option for another type.
 */
export function configString(
  config: ProviderConfig,
  name: string,
  adapter: string,
): string | undefined {
  const value = config[name];
  if (value === undefined || typeof value === 'string') return value;
  throw invalidType(adapter, name, 'string', value);
}

/**
 * A number option; decimal digits are accepted as text (URI query strings carry text).
 * @throws ProviderError `INVALID_INPUT` naming the adapter and the option for another type.
 */
export function configNumber(
  config: ProviderConfig,
  name: string,
  adapter: string,
): number | undefined {
  const value = config[name];
  if (value === undefined || typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  throw invalidType(adapter, name, 'number', value);
}

/**
 * A boolean option; `true` and `false` are accepted as text (URI query strings carry text).
 * @throws ProviderError `INVALID_INPUT` naming the adapter and the option for another type.
 */
export function configBoolean(
  config: ProviderConfig,
  name: string,
  adapter: string,
): boolean | undefined {
  const value = config[name];
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalidType(adapter, name, 'boolean', value);
}
