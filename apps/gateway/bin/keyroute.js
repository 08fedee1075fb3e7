#!/usr/bin/env node
// The keyroute command line; the code is compiled to dist/ by `npm run build`.
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
