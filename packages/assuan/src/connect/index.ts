export { connectGpgAgent } from './gpg-agent.js';
export type { GpgAgentOptions } from './gpg-agent.js';
export { listGpgDirs, parseGpgconfDirs } from './gpgconf.js';
export type { GpgconfOptions } from './gpgconf.js';
export { spawnAssuanServer } from './spawn.js';
export type { AssuanServerProcess, SpawnAssuanServerOptions } from './spawn.js';
export { connectUnixSocket } from './unix-socket.js';
export type { UnixSocketOptions } from './unix-socket.js';
