import type { AssuanConnection } from '@keyroute/assuan';
import type { OnStop } from './deadline.js';

/**
 * The keygrip last selected on each pooled connection. gpg-agent keeps one selected key per
 * connection for both PKSIGN and PKDECRYPT (`SIGKEY` and `SETKEY` are the same command), so
 * remembering it saves a round trip per signature.
 */
const selectedKeyOf = new WeakMap<AssuanConnection, string>();

/**
 * Selects `keygrip` on `connection` with `SIGKEY` unless it is already selected, then runs
 * `work`. Any failure forgets the selection: after an error the agent's state is unknown.
 */
export async function withSelectedKey<T>(
  connection: AssuanConnection,
  keygrip: string,
  signal: AbortSignal,
  work: () => Promise<T>,
): Promise<T> {
  try {
    if (selectedKeyOf.get(connection) !== keygrip) {
      selectedKeyOf.delete(connection);
      await connection.transact('SIGKEY', keygrip, { signal });
      selectedKeyOf.set(connection, keygrip);
    }
    return await work();
  } catch (error) {
    selectedKeyOf.delete(connection);
    throw error;
  }
}

/**
 * Runs `work` on `connection` and destroys the connection if the call is stopped first (caller
 * abort or timeout). Assuan cannot cancel a running command, so this is what a signal passed to
 * every `transact` would do, without a listener per command; the call itself rejects at once.
 */
export async function dropOnStop<T>(
  connection: AssuanConnection,
  onStop: OnStop,
  work: () => Promise<T>,
): Promise<T> {
  let finished = false;
  onStop((reason) => {
    if (!finished) connection.destroy(reason);
  });
  try {
    return await work();
  } finally {
    finished = true;
  }
}
