/**
 * @keyroute/assuan — the Assuan protocol (GnuPG's IPC: gpg-agent, gpgsm --server, scdaemon,
 * dirmngr, pinentry). Three layers: a pure codec and incremental parsers (`codec/`), a client
 * connection over any Duplex with connectors for Unix sockets, gpg-agent and spawned servers
 * (`client/`, `connect/`), and a server framework (`server/`). Knows nothing of keys.
 */
export * from './client/index.js';
export * from './codec/encode-server.js';
export * from './codec/encode.js';
export * from './codec/escape.js';
export type * from './codec/messages.js';
export * from './codec/parser.js';
export * from './connect/index.js';
export * from './constants.js';
export * from './errors.js';
export * from './server/index.js';
