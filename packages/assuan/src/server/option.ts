/**
 * Parsing of the `OPTION` command's arguments. Pure: nothing here touches a stream.
 *
 * Grammar (libassuan manual, "Client requests", OPTION; behaviour of libassuan's
 * `std_handler_option`): `OPTION name [ [=] value ]`, blanks around name and value ignored, the
 * name may carry a `--` prefix, a single leading dash is an error, `name=` with nothing after the
 * equal sign is an error.
 */

/** A parsed `OPTION` line; `value` is `undefined` for a bare `OPTION name`. Still escaped. */
export interface ParsedOption {
  readonly name: string;
  readonly value: string | undefined;
}

/** Why `OPTION` arguments were rejected; the texts are libassuan's. */
export type OptionSyntaxError =
  | 'argument required'
  | 'no option name given'
  | 'option argument expected'
  | 'option should not begin with one dash';

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/**
 * Splits the argument text of `OPTION` into name and (still escaped) value.
 * Returns an {@link OptionSyntaxError} text instead when the arguments break the grammar.
 */
export function parseOptionArguments(args: string): ParsedOption | OptionSyntaxError {
  let start = 0;
  while (isBlank(args[start])) start += 1;
  if (start === args.length) return 'argument required';
  if (args[start] === '=') return 'no option name given';

  let end = start;
  while (end < args.length && !isBlank(args[end]) && args[end] !== '=') end += 1;
  let name = args.slice(start, end);

  let value: string | undefined;
  let rest = end;
  while (isBlank(args[rest])) rest += 1;
  if (args[rest] === '=') {
    rest += 1;
    while (isBlank(args[rest])) rest += 1;
    if (rest === args.length) return 'option argument expected';
  }
  if (rest < args.length) {
    let last = args.length;
    while (last > rest && isBlank(args[last - 1])) last -= 1;
    value = args.slice(rest, last);
  }

  if (name.startsWith('--') && name.length > 2) name = name.slice(2);
  if (name.startsWith('-')) return 'option should not begin with one dash';
  return { name, value };
}
