import type { AssuanConnection } from '../client/connection.js';
import type { ConnectionOptions } from '../client/types.js';
import { listGpgDirs, runGpgconf } from './gpgconf.js';
import type { GpgconfOptions } from './gpgconf.js';
import { connectUnixSocket } from './unix-socket.js';

/** Options of {@link connectGpgAgent}. */
export interface GpgAgentOptions extends ConnectionOptions, GpgconfOptions {
  /**
   * Start the agent first when it is not running (`gpgconf --launch gpg-agent`); true by
   * default. With false, a missing agent is an error naming the socket.
   */
  readonly launch?: boolean;
}

/**
 * Connects to the gpg-agent of a GnuPG home: launches it unless `launch: false`, finds its
 * socket with `gpgconf --list-dirs agent-socket`, connects and reads the greeting.
 *
 * @throws Error when gpgconf is missing or fails (it names the Debian package), when gpgconf
 *   lists no `agent-socket`, or when nothing listens on the socket (the error names the path);
 *   AssuanError / AssuanProtocolError from the greeting. On abort the promise rejects with
 *   `signal.reason` (gpgconf is killed, the socket destroyed).
 */
export async function connectGpgAgent(options: GpgAgentOptions = {}): Promise<AssuanConnection> {
  if (options.launch ?? true) await runGpgconf(['--launch', 'gpg-agent'], options);
  const dirs = await listGpgDirs(options);
  const socket = dirs['agent-socket'];
  if (socket === undefined || socket === '') {
    throw new Error(
      `gpgconf --list-dirs names no agent-socket${options.homedir === undefined ? '' : ` for ${options.homedir}`}`,
    );
  }
  return connectUnixSocket(socket, options);
}
