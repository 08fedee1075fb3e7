/**
 * The HTTP load generator, run in a worker thread (see `http-load.ts`): closed loops of POSTs
 * over node:http with one keep-alive agent per target and concurrency (as many sockets as
 * callers), so that the client's work never runs on the gateway's event loop, as with an
 * application in a process of its own.
 */
import { Agent, request } from 'node:http';
import { parentPort } from 'node:worker_threads';
import { closedLoop, describeFailure, type LoopResult } from './loop.js';

/** Where the gateway listens: its Unix socket or its TCP address. */
export type HttpTarget =
  { readonly socketPath: string } | { readonly host: string; readonly port: number };

/** One closed loop of POSTs to run. */
export interface HttpLoopRequest {
  readonly target: HttpTarget;
  /** Request path, e.g. `/v1/keys/softhsm%3A01/sign`. */
  readonly path: string;
  /** JSON request body. */
  readonly body: string;
  /** The bearer token. */
  readonly token: string;
  readonly concurrency: number;
  readonly seconds: number;
}

/** Messages from the main thread. */
export type WorkerCommand =
  | { readonly kind: 'run'; readonly id: number; readonly request: HttpLoopRequest }
  | { readonly kind: 'close' };

/** Messages to the main thread. */
export type WorkerReply =
  | { readonly kind: 'result'; readonly id: number; readonly result: LoopResult }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };

const agents = new Map<string, Agent>();

function targetName(target: HttpTarget): string {
  return 'socketPath' in target ? `unix:${target.socketPath}` : `${target.host}:${target.port}`;
}

/** The keep-alive agent of a target and concurrency, made on first use and kept. */
function agentFor(target: HttpTarget, concurrency: number): Agent {
  const name = `${targetName(target)}/${concurrency}`;
  let agent = agents.get(name);
  if (agent === undefined) {
    agent = new Agent({
      keepAlive: true,
      maxSockets: concurrency,
      ...('socketPath' in target ? { socketPath: target.socketPath } : {}),
    });
    agents.set(name, agent);
  }
  return agent;
}

/** The `code` of a problem+json body, or the start of whatever else came. */
function problemCode(text: string): string {
  try {
    const parsed = JSON.parse(text) as { code?: unknown };
    if (typeof parsed.code === 'string') return parsed.code;
  } catch {
    // Not JSON: show the start of it.
  }
  return text.slice(0, 80);
}

/** POSTs `body` and resolves with the decoded `signature` of a 200 answer. */
function post(
  agent: Agent,
  target: HttpTarget,
  path: string,
  headers: Readonly<Record<string, string | number>>,
  body: Buffer,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        method: 'POST',
        path,
        headers,
        ...('socketPath' in target
          ? { socketPath: target.socketPath }
          : { host: target.host, port: target.port }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode !== 200) {
            reject(new Error(`HTTP ${response.statusCode ?? '?'} ${problemCode(text)}`));
            return;
          }
          try {
            const { signature } = JSON.parse(text) as { signature?: unknown };
            if (typeof signature !== 'string') throw new Error('no "signature" in the answer');
            resolve(Buffer.from(signature, 'base64'));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Runs one closed loop of POSTs. */
function runLoop(loop: HttpLoopRequest): Promise<LoopResult> {
  const agent = agentFor(loop.target, loop.concurrency);
  const body = Buffer.from(loop.body, 'utf8');
  const headers = {
    host: 'socketPath' in loop.target ? 'keyroute' : `${loop.target.host}:${loop.target.port}`,
    authorization: `Bearer ${loop.token}`,
    'content-type': 'application/json',
    'content-length': body.length,
  };
  return closedLoop(
    () => post(agent, loop.target, loop.path, headers, body),
    loop.concurrency,
    loop.seconds,
  );
}

const port = parentPort;
if (port === null) throw new Error('http-load-worker.ts runs in a worker thread');
port.on('message', (command: WorkerCommand) => {
  if (command.kind === 'close') {
    for (const agent of agents.values()) agent.destroy();
    agents.clear();
    port.close();
    return;
  }
  const { id } = command;
  runLoop(command.request).then(
    (result) => {
      port.postMessage({ kind: 'result', id, result } satisfies WorkerReply);
    },
    (error: unknown) => {
      port.postMessage({
        kind: 'failed',
        id,
        message: describeFailure(error),
      } satisfies WorkerReply);
    },
  );
});
