/**
 * Fuzzes the Assuan codec and server framework:
 *
 *   npm run fuzz -w @keyroute/assuan -- [--iterations N] [--server-iterations M] [--seed S]
 *
 * - Parser mode (N inputs, default 1,000,000): random byte strings, protocol-shaped random lines,
 *   and mutations (bit flips, byte changes, splices, truncations, duplicated/swapped lines,
 *   inserted '%', CR, LF and over-long runs) of the recorded gpg-agent transcripts
 *   (test/fixtures/transcripts/*.bin) go into both ServerMessageParser and ClientMessageParser with
 *   random chunking. Only AssuanProtocolError may be thrown, and a sample of inputs is re-parsed
 *   with a different chunking that must give the same result.
 * - Server mode (M inputs, default 50,000): mutated client transcripts are fed, in random chunks,
 *   into a server from `createAssuanServer` over a `stream.Duplex`. The server must finish (no
 *   hang), never reject, and everything it writes must parse as valid Assuan server output.
 *
 * The seed (printed at start) makes a run reproducible. A failure prints the input as hex and
 * exits 1. Heap use is sampled and must stay under 200 MB. The end prints inputs per second.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { ClientMessageParser, ServerMessageParser } from '../src/codec/parser.js';
import { concatBytes } from '../src/codec/text.js';
import { GPG_ERROR_CODE, GPG_ERROR_SOURCE } from '../src/constants.js';
import { AssuanError, AssuanProtocolError, makeGpgError } from '../src/errors.js';
import { createAssuanServer } from '../src/server/index.js';
import type { AssuanServer } from '../src/server/index.js';

const HEAP_LIMIT_MB = 200;
const SERVER_TIMEOUT_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  iterations: number;
  serverIterations: number;
  seed: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    iterations: 1_000_000,
    serverIterations: 50_000,
    seed: (Date.now() ^ (process.pid << 16)) >>> 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const number = Number(value);
    if (!Number.isSafeInteger(number) || number < 0) {
      throw new Error(`${flag ?? ''} needs a non-negative integer, got ${value ?? 'nothing'}`);
    }
    if (flag === '--iterations') options.iterations = number;
    else if (flag === '--server-iterations') options.serverIterations = number;
    else if (flag === '--seed') options.seed = number >>> 0;
    else
      throw new Error(
        `unknown option ${flag ?? ''}: use --iterations, --server-iterations, --seed`,
      );
    i++;
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness (mulberry32: tiny, fast, good enough to explore inputs)

class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uint32. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }

  chance(oneIn: number): boolean {
    return this.below(oneIn) === 0;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

// ---------------------------------------------------------------------------------------------
// Corpus

const encoder = new TextEncoder();
const transcriptDir = new URL('../test/fixtures/transcripts/', import.meta.url);

function loadTranscripts(side: 'server' | 'client'): Uint8Array[] {
  const files = readdirSync(transcriptDir).filter((name) => name.endsWith(`.${side}.bin`));
  if (files.length === 0) {
    throw new Error(
      `no ${side} transcripts in ${transcriptDir.pathname}: run "npx tsx test/fixtures/transcripts/record.ts"`,
    );
  }
  return files.map((name) => new Uint8Array(readFileSync(new URL(name, transcriptDir))));
}

const SYNTHETIC_SERVER = [
  'OK Pleased to meet you\nS PROGRESS x 1 2\nD a%25b%0D%0A\nINQUIRE MORE\nD c\nEND\nOK\n',
  'ERR 67108881 No secret key <GPG Agent>\n# comment\nOK\n',
  `D ${'x'.repeat(998)}\nD ${'%0A'.repeat(332)}\nOK\n`,
].map((text) => encoder.encode(text));

const SYNTHETIC_CLIENT = [
  'OPTION pinentry-mode=loopback\nSIGKEY ABC\nSETHASH --hash=sha256 00\nPKSIGN\nD secret\nEND\nBYE\n',
  'GETINFO version\nHELP\nHELP PKSIGN\nKEYINFO --list\nRESET\nNOP\nD stray\nEND\nCAN\nBYE\n',
  'PKDECRYPT\nD (7:enc-val%0A\nD more\nEND\nOPTION --a = b \nOPTION\nOPTION =x\nTHROW\nBYE\n',
  `SETKEYDESC ${'x'.repeat(989)}\nsetkeydesc a+b%25\nPKDECRYPT\nCAN\nPKDECRYPT\nNOP\n`,
].map((text) => encoder.encode(text));

/** Pieces for protocol-shaped random input. */
const PIECES = [
  'OK',
  'OK ',
  'ERR ',
  'ERR 1',
  'ERR 4294967295 x',
  'ERR 99999999999',
  'S ',
  'S KEYINFO ',
  'D ',
  'D',
  'END',
  'CAN',
  'INQUIRE ',
  'INQUIRE PASSPHRASE',
  '# ',
  '#',
  'BYE',
  'OPTION ',
  'PKSIGN',
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\r',
  '%',
  '%0A',
  '%25',
  '%G',
  '%0',
  '+',
  '\0',
  'ä',
  '\xff',
].map((text) => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff));

const INTERESTING_BYTES = [0x25, 0x0a, 0x0d, 0x20, 0x2b, 0x00, 0x09, 0x23, 0x44, 0xff, 0x80];

// ---------------------------------------------------------------------------------------------
// Input generation

function randomBytes(random: Random, maxLength: number): Uint8Array {
  const out = new Uint8Array(random.below(maxLength + 1));
  for (let i = 0; i < out.length; i++) {
    out[i] = random.chance(3) ? random.pick(INTERESTING_BYTES) : random.below(256);
  }
  return out;
}

function piecesInput(random: Random): Uint8Array {
  const parts: Uint8Array[] = [];
  const count = random.below(40);
  for (let i = 0; i < count; i++) {
    parts.push(random.chance(4) ? randomBytes(random, 12) : random.pick(PIECES));
  }
  return concatBytes(parts);
}

/** Start offsets of the lines of `input` (after each LF, plus 0). */
function lineStarts(input: Uint8Array): number[] {
  const starts = [0];
  for (let i = input.indexOf(0x0a); i !== -1; i = input.indexOf(0x0a, i + 1)) starts.push(i + 1);
  return starts;
}

function mutate(random: Random, base: Uint8Array, corpus: readonly Uint8Array[]): Uint8Array {
  let input = base;
  const rounds = 1 + random.below(6);
  for (let round = 0; round < rounds; round++) {
    const n = input.length;
    const at = random.below(n + 1);
    switch (random.below(11)) {
      case 0: {
        // Bit flips.
        input = input.slice();
        for (let k = 1 + random.below(4); k > 0 && n > 0; k--) {
          const i = random.below(n);
          input[i] = (input[i] ?? 0) ^ (1 << random.below(8));
        }
        break;
      }
      case 1: {
        // Random or interesting byte values.
        input = input.slice();
        for (let k = 1 + random.below(4); k > 0 && n > 0; k--) {
          input[random.below(n)] = random.chance(2)
            ? random.pick(INTERESTING_BYTES)
            : random.below(256);
        }
        break;
      }
      case 2:
        // Insert '%', LF or CR.
        input = concatBytes([
          input.subarray(0, at),
          Uint8Array.of(random.pick([0x25, 0x0a, 0x0d])),
          input.subarray(at),
        ]);
        break;
      case 3:
        // Truncate.
        input = input.subarray(0, at);
        break;
      case 4: {
        // Delete a range.
        const end = Math.min(n, at + random.below(64));
        input = concatBytes([input.subarray(0, at), input.subarray(end)]);
        break;
      }
      case 5: {
        // Splice in a slice of another corpus entry.
        const other = random.pick(corpus);
        const from = random.below(other.length + 1);
        const to = Math.min(other.length, from + random.below(400));
        input = concatBytes([input.subarray(0, at), other.subarray(from, to), input.subarray(at)]);
        break;
      }
      case 6: {
        // Duplicate a line.
        const starts = lineStarts(input);
        const index = random.below(starts.length);
        const start = starts[index] ?? 0;
        const end = starts[index + 1] ?? n;
        input = concatBytes([
          input.subarray(0, end),
          input.subarray(start, end),
          input.subarray(end),
        ]);
        break;
      }
      case 7: {
        // Swap two adjacent lines.
        const starts = lineStarts(input);
        if (starts.length < 3) break;
        const index = random.below(starts.length - 2);
        const [a, b, c] = [starts[index] ?? 0, starts[index + 1] ?? 0, starts[index + 2] ?? 0];
        input = concatBytes([
          input.subarray(0, a),
          input.subarray(b, c),
          input.subarray(a, b),
          input.subarray(c),
        ]);
        break;
      }
      case 8: {
        // A long run around the line limit.
        const run = new Uint8Array(990 + random.below(30)).fill(random.pick([0x41, 0x25, 0x20]));
        input = concatBytes([input.subarray(0, at), run, input.subarray(at)]);
        break;
      }
      case 9:
        // Insert a protocol piece.
        input = concatBytes([input.subarray(0, at), random.pick(PIECES), input.subarray(at)]);
        break;
      default:
        // Insert random bytes.
        input = concatBytes([input.subarray(0, at), randomBytes(random, 16), input.subarray(at)]);
        break;
    }
  }
  return input;
}

function makeInput(random: Random, corpus: readonly Uint8Array[]): Uint8Array {
  const kind = random.below(10);
  if (kind === 0) return randomBytes(random, random.chance(10) ? 3000 : 300);
  if (kind === 1) return piecesInput(random);
  return mutate(random, random.pick(corpus), corpus);
}

/** Random cut points: usually a few, sometimes every byte. */
function chunk(random: Random, input: Uint8Array): Uint8Array[] {
  if (input.length > 0 && random.chance(200)) {
    return Array.from({ length: input.length }, (_, i) => input.subarray(i, i + 1));
  }
  const cuts = random.below(6);
  const points: number[] = [];
  for (let i = 0; i < cuts; i++) points.push(random.below(input.length + 1));
  points.sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let previous = 0;
  for (const point of points) {
    chunks.push(input.subarray(previous, point));
    previous = point;
  }
  chunks.push(input.subarray(previous));
  return chunks;
}

// ---------------------------------------------------------------------------------------------
// Parser mode

interface Parser {
  push(chunk: Uint8Array): readonly { type: string; data?: Uint8Array }[];
  finish(): void;
}

/** Parses; returns a summary (message count, data bytes, error reason) for comparison. */
function parse(parser: Parser, chunks: readonly Uint8Array[]): string {
  let messages = 0;
  let dataBytes = 0;
  try {
    for (const piece of chunks) {
      for (const message of parser.push(piece)) {
        messages++;
        if (message.data !== undefined) dataBytes += message.data.length;
      }
    }
    parser.finish();
    return `ok ${messages} ${dataBytes}`;
  } catch (error) {
    if (error instanceof AssuanProtocolError) return error.reason;
    throw error;
  }
}

class FuzzFailure extends Error {
  constructor(
    message: string,
    readonly input: Uint8Array,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const outcomes = new Map<string, number>();

function count(outcome: string): void {
  const key = outcome.startsWith('ok') ? 'ok' : outcome;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
}

function checkHeap(where: string): void {
  const heap = process.memoryUsage().heapUsed / 1024 / 1024;
  if (heap > HEAP_LIMIT_MB) {
    throw new Error(`heap grew to ${heap.toFixed(0)} MB (limit ${HEAP_LIMIT_MB} MB) ${where}`);
  }
}

function fuzzParsers(random: Random, iterations: number): void {
  const corpus = [
    ...loadTranscripts('server'),
    ...loadTranscripts('client'),
    ...SYNTHETIC_SERVER,
    ...SYNTHETIC_CLIENT,
  ];
  for (let i = 0; i < iterations; i++) {
    const input = makeInput(random, corpus);
    const chunks = chunk(random, input);
    const maxDataBytes = random.chance(4) ? random.below(4096) : Infinity;
    const makers: (() => Parser)[] = [
      () => new ServerMessageParser({ maxDataBytes }),
      () => new ClientMessageParser({ maxDataBytes }),
    ];
    for (const make of makers) {
      let outcome: string;
      try {
        outcome = parse(make(), chunks);
      } catch (error) {
        throw new FuzzFailure(`iteration ${i}: a parser threw a non-protocol error`, input, {
          cause: error,
        });
      }
      count(outcome);
      if (i % 8 === 0) {
        const whole = parse(make(), [input]);
        if (whole !== outcome) {
          throw new FuzzFailure(
            `iteration ${i}: chunking changed the result: ${whole} whole, ${outcome} chunked`,
            input,
          );
        }
      }
    }
    if (i % 20_000 === 0) checkHeap(`after ${i} parser inputs`);
  }
}

// ---------------------------------------------------------------------------------------------
// Server mode

function fuzzServer(): AssuanServer {
  const agentError = (code: number, text: string): AssuanError =>
    new AssuanError(makeGpgError(GPG_ERROR_SOURCE.GPG_AGENT, code), text);
  return createAssuanServer({
    errorSource: GPG_ERROR_SOURCE.GPG_AGENT,
    knownOptions: ['pinentry-mode', 'allow-pinentry-notify', 'a'],
    maxInquireBytes: 2048,
    onError: () => undefined,
    commands: {
      GETINFO: (context) => context.data(`2.2.40 ${context.args}`),
      KEYINFO: async (context) => {
        await context.status('KEYINFO', `${'A'.repeat(40)} D - - - C - - -`);
        await context.status('KEYINFO', `${'B'.repeat(40)} D - - - P - - -`);
      },
      HAVEKEY: (context) => {
        if (!context.args.startsWith('A'))
          throw agentError(GPG_ERROR_CODE.NO_SECKEY, 'No secret key');
      },
      SIGKEY: (context) => {
        context.session.set('key', context.args);
      },
      SETKEYDESC: (context) => {
        context.session.set('desc', context.args);
      },
      SETHASH: (context) => {
        context.session.set('hash', context.args);
      },
      PKSIGN: async (context) => {
        if (!context.session.has('key')) throw agentError(GPG_ERROR_CODE.NO_SECKEY, 'No key set');
        if (context.options.get('pinentry-mode') === 'loopback') {
          await context.inquire('PASSPHRASE', undefined, { maxBytes: 255 });
        }
        await context.data(Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff));
      },
      PKDECRYPT: async (context) => {
        const ciphertext = await context.inquire('CIPHERTEXT');
        await context.comment(`got ${ciphertext.length} bytes`);
        await context.data(ciphertext);
        return 'decrypted';
      },
      READKEY: (context) => context.data(new Uint8Array(600).fill(0x25)),
      THROW: () => {
        throw new Error('a handler bug');
      },
    },
  });
}

/** A Duplex whose readable side we push client bytes into and whose writes we collect. */
function testStream(): { stream: Duplex; output: Uint8Array[] } {
  const output: Uint8Array[] = [];
  const stream = new Duplex({
    read() {
      // Input is pushed by the fuzzer.
    },
    write(chunk: Uint8Array, _encoding, callback) {
      output.push(chunk);
      callback();
    },
  });
  return { stream, output };
}

async function serveOnce(server: AssuanServer, random: Random, input: Uint8Array): Promise<void> {
  const { stream, output } = testStream();
  const served = server.handle(stream);
  for (const piece of chunk(random, input)) {
    stream.push(piece);
    if (random.chance(3)) await nextMacrotask();
  }
  // End the input at once: the server still answers every complete line received before the end.
  stream.push(null);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`the server did not finish within ${SERVER_TIMEOUT_MS} ms`));
    }, SERVER_TIMEOUT_MS);
  });
  try {
    await Promise.race([served, timeout]);
  } finally {
    clearTimeout(timer);
  }
  // Whatever the client did, the server's output must be valid Assuan.
  const parser = new ServerMessageParser();
  const messages = output.flatMap((piece) => parser.push(piece));
  parser.finish();
  const first = messages.find((message) => message.type !== 'comment');
  if (first?.type !== 'ok') throw new Error('the server did not start with an OK greeting');
  count(`server:${messages.filter((m) => m.type === 'err').length > 0 ? 'err' : 'ok'}`);
}

async function fuzzServerMode(random: Random, iterations: number): Promise<void> {
  const server = fuzzServer();
  const corpus = [...loadTranscripts('client'), ...SYNTHETIC_CLIENT];
  for (let i = 0; i < iterations; i++) {
    const input = random.chance(10) ? random.pick(corpus) : makeInput(random, corpus);
    try {
      await serveOnce(server, random, input);
    } catch (error) {
      throw new FuzzFailure(`server iteration ${i}: ${String(error)}`, input, { cause: error });
    }
    if (i % 1_000 === 0) checkHeap(`after ${i} server inputs`);
  }
}

// ---------------------------------------------------------------------------------------------

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

let seedInUse: number | undefined;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  seedInUse = options.seed;
  console.log(
    `assuan fuzz: seed ${options.seed} (re-run with --seed ${options.seed}), ${options.iterations} parser inputs, ${options.serverIterations} server inputs`,
  );
  const random = new Random(options.seed);
  const startParsers = performance.now();
  fuzzParsers(random, options.iterations);
  const parserSeconds = (performance.now() - startParsers) / 1000;
  const startServer = performance.now();
  await fuzzServerMode(random, options.serverIterations);
  const serverSeconds = (performance.now() - startServer) / 1000;
  checkHeap('at the end');
  const summary = [...outcomes.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(', ');
  console.log(`outcomes: ${summary}`);
  console.log(
    `parsers: ${options.iterations} inputs in ${parserSeconds.toFixed(1)} s (${Math.round(options.iterations / Math.max(parserSeconds, 1e-9))} inputs/s, each through both parsers)`,
  );
  console.log(
    `server: ${options.serverIterations} inputs in ${serverSeconds.toFixed(1)} s (${Math.round(options.serverIterations / Math.max(serverSeconds, 1e-9))} inputs/s)`,
  );
  console.log(`heap: ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(0)} MB; no failures`);
}

try {
  await main();
} catch (error) {
  if (error instanceof FuzzFailure) {
    console.error(`FAIL (seed ${String(seedInUse)}): ${error.message}`);
    console.error(`input (${error.input.length} bytes, hex): ${hex(error.input)}`);
    console.error(error.cause);
  } else {
    console.error(error);
  }
  process.exit(1);
}
