import { parseFlags, type FlagSpec, type Flags } from './args.js';
import { CliUsageError, exitCodeOf, messageOf } from './errors.js';

/** One `keyroute` command of this folder. */
export interface Command {
  /** The command words: `keys`, `sign`, `token new`. */
  readonly name: string;
  /** Its synopsis after `keyroute `, shown with usage errors. */
  readonly synopsis: string;
  readonly flags: FlagSpec;
  /** Runs with parsed flags; resolves with the exit code. */
  run(flags: Flags): Promise<number>;
}

/**
 * Runs a command: parses its flags, runs it, and turns any failure into a message on stderr
 * (`keyroute sign: …`, plus the synopsis for usage errors) and its exit code (see `EXIT`).
 */
export async function runCommand(command: Command, args: readonly string[]): Promise<number> {
  try {
    return await command.run(parseFlags(args, command.flags));
  } catch (error) {
    const usage = error instanceof CliUsageError ? `\nusage: keyroute ${command.synopsis}` : '';
    process.stderr.write(`keyroute ${command.name}: ${messageOf(error)}${usage}\n`);
    return exitCodeOf(error);
  }
}
