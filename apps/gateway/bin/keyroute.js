#!/usr/bin/env node
// The keyroute command line; the code is compiled to dist/ by `npm run build`.
// PKCS#11 signatures, decryption and the audit log's fsyncs all run on libuv's thread pool:
// give the gateway more than the default 4 threads unless the operator chose a size.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
