#!/usr/bin/env node
// Placeholder until the gateway lands: prints the planned usage and exits,
// so that nobody mistakes it for a running daemon.
const usage = `keyroute — one gateway for keys in gpg-agent, PKCS#11 tokens and OpenPGP files

The gateway is not built yet. Planned usage:

  keyroute serve [--config <file>]   start the gateway (default: embedded OpenPGP keystore in ./.keyroute)
  keyroute keys | certs [--json]     list keys and certificates
  keyroute sign | verify | decrypt | encrypt
  keyroute token new --app NAME      mint an application token

Today you can use the libraries: import { loadProvider, createRouter } from '@keyroute/core'.
`;
process.stderr.write(usage);
process.exitCode = 0;
