import { Agent, Pool, type Dispatcher } from 'undici';

/** Where the gateway listens: its Unix socket or its HTTP(S) base URL. */
export type GatewayAddress = { readonly socket: string } | { readonly url: string };

/** A JSON answer of the gateway. */
export interface GatewayAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
  readonly requestId: string | undefined;
}

/** Largest answer the client reads (a listing of thousands of keys fits easily). */
const MAX_ANSWER_BYTES = 32 * 2 ** 20;

/**
 * Keep-alive connections to one gateway (undici), over its Unix socket or TCP. Requests carry
 * the bearer token; answers are read as JSON (problem+json included), bounded in size.
 */
export class GatewayTransport {
  readonly #dispatcher: Dispatcher;
  readonly #origin: string;
  readonly #token: string | undefined;
  /** How the gateway was addressed, for error messages. */
  readonly description: string;

  constructor(address: GatewayAddress, token: string | undefined, connections: number) {
    this.#token = token;
    if ('socket' in address) {
      this.#origin = 'http://keyroute';
      this.#dispatcher = new Agent({
        connect: { socketPath: address.socket },
        connections,
        pipelining: 1,
      });
      this.description = `unix:${address.socket}`;
    } else {
      const url = new URL(address.url);
      this.#origin = url.origin;
      this.#dispatcher = new Pool(url.origin, { connections, pipelining: 1 });
      this.description = url.origin;
    }
  }

  /** Sends one request; resolves with the answer whatever its status. */
  async request(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<GatewayAnswer> {
    const response = await this.#dispatcher.request({
      origin: this.#origin,
      method,
      path,
      headers: {
        accept: 'application/json, application/problem+json',
        ...(this.#token === undefined ? {} : { authorization: `Bearer ${this.#token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > MAX_ANSWER_BYTES) {
        response.body.destroy();
        throw new Error(`the gateway's answer exceeds ${MAX_ANSWER_BYTES} bytes`);
      }
      chunks.push(buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const header = (name: string): string | undefined => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    return {
      status: response.statusCode,
      contentType: header('content-type') ?? '',
      body: parsed,
      requestId: header('x-request-id'),
    };
  }

  /** Closes the connections. */
  close(): Promise<void> {
    return this.#dispatcher.close();
  }
}
