import { Worker } from 'node:worker_threads';
import type { HttpLoopRequest, WorkerCommand, WorkerReply } from './http-load-worker.js';
import type { LoopResult } from './loop.js';

export type { HttpLoopRequest, HttpTarget } from './http-load-worker.js';

/**
 * The source of a worker that registers tsx and then imports the TypeScript module at `url`:
 * Node 20 does not apply the main thread's `--import tsx` hooks to workers.
 */
function tsxBootstrap(url: URL): string {
  const api = import.meta.resolve('tsx/esm/api');
  return (
    `import(${JSON.stringify(api)}).then(({ register }) => { register(); ` +
    `return import(${JSON.stringify(url.href)}); });`
  );
}

/**
 * The HTTP load generator, in a worker thread of its own (`http-load-worker.ts`): the main
 * thread runs the gateway, the worker the callers.
 */
export class HttpLoad implements AsyncDisposable {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (result: LoopResult) => void; reject: (error: Error) => void }
  >();
  #nextId = 0;
  /** Why the worker stopped, once it has. */
  #failure: Error | undefined;

  constructor() {
    this.#worker = new Worker(tsxBootstrap(new URL('./http-load-worker.ts', import.meta.url)), {
      eval: true,
    });
    this.#worker.on('message', (reply: WorkerReply) => {
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.kind === 'result') pending?.resolve(reply.result);
      else pending?.reject(new Error(`load worker: ${reply.message}`));
    });
    this.#worker.on('error', (error) => {
      this.#fail(error);
    });
    this.#worker.on('exit', (code) => {
      this.#fail(new Error(`the load worker exited (code ${code})`));
    });
  }

  /** Rejects what is pending and every later run. */
  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
  }

  /** Runs one closed loop of POSTs in the worker. */
  run(request: HttpLoopRequest): Promise<LoopResult> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId;
    this.#nextId += 1;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ kind: 'run', id, request } satisfies WorkerCommand);
    });
  }

  /** Closes the worker's connections and ends it. */
  async [Symbol.asyncDispose](): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      this.#worker.once('exit', () => {
        resolve();
      });
    });
    this.#worker.postMessage({ kind: 'close' } satisfies WorkerCommand);
    await Promise.race([
      exited,
      new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref()),
    ]);
    await this.#worker.terminate();
  }
}
