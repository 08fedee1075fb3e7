import { CliUsageError } from './errors.js';

/** The flags a command takes: those with a value, and switches. */
export interface FlagSpec {
  /** `--name value` (or `--name=value`). */
  readonly values: readonly string[];
  /** `--name` alone. */
  readonly switches?: readonly string[];
}

/** Parsed flags of one command. */
export interface Flags {
  /** The value of `--name`, or undefined when it was not given. */
  value(name: string): string | undefined;
  /** The value of `--name`; a usage error when it was not given. */
  required(name: string): string;
  /** True when the switch `--name` was given. */
  has(name: string): boolean;
  /**
   * The value of `--name`, which must be one of `choices` (default `fallback`).
   * @throws CliUsageError naming the choices.
   */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T;
  /** The value of `--name` as one of `choices`, or undefined when not given. */
  optionalChoice<T extends string>(name: string, choices: readonly T[]): T | undefined;
}

/**
 * Reads `--name value`, `--name=value` and `--switch` flags. No positional arguments; a flag
 * given twice, an unknown flag or a missing value is a usage error naming the known flags. A
 * value may be `-` (stdin/stdout); a value starting with `--` must use the `--name=value` form.
 */
export function parseFlags(args: readonly string[], spec: FlagSpec): Flags {
  const switches = new Set(spec.switches ?? []);
  const values = new Set(spec.values);
  const parsed = new Map<string, string | true>();
  const known = (): string =>
    [...spec.values.map((name) => `--${name}`), ...[...switches].map((name) => `--${name}`)].join(
      ', ',
    );
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    if (!arg.startsWith('--') || arg === '--') {
      throw new CliUsageError(`unexpected argument "${arg}": flags are --name value`);
    }
    const equals = arg.indexOf('=');
    const name = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
    if (parsed.has(name)) throw new CliUsageError(`--${name} is given twice`);
    if (switches.has(name)) {
      if (equals !== -1) throw new CliUsageError(`--${name} takes no value`);
      parsed.set(name, true);
      continue;
    }
    if (!values.has(name)) {
      throw new CliUsageError(`unknown flag --${name}; known: ${known()}`);
    }
    let value: string | undefined;
    if (equals !== -1) value = arg.slice(equals + 1);
    else {
      value = args[index + 1];
      index += 1;
      if (value?.startsWith('--') === true) value = undefined;
    }
    if (value === undefined || value === '') {
      throw new CliUsageError(`--${name} needs a value`);
    }
    parsed.set(name, value);
  }
  const value = (name: string): string | undefined => {
    const found = parsed.get(name);
    return typeof found === 'string' ? found : undefined;
  };
  const optionalChoice = <T extends string>(name: string, choices: readonly T[]): T | undefined => {
    const found = value(name);
    if (found === undefined) return undefined;
    if (!(choices as readonly string[]).includes(found)) {
      throw new CliUsageError(`--${name} must be one of ${choices.join(', ')}; got "${found}"`);
    }
    return found as T;
  };
  return {
    value,
    required(name) {
      const found = value(name);
      if (found === undefined) throw new CliUsageError(`--${name} is required`);
      return found;
    },
    has: (name) => parsed.get(name) === true,
    choice: (name, choices, fallback) => optionalChoice(name, choices) ?? fallback,
    optionalChoice,
  };
}
