import type { AssuanConnection } from '@keyroute/assuan';

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
