import { request, type Agent, type IncomingHttpHeaders } from 'node:http';

/** Where a gateway listens: a Unix socket or a loopback TCP address. */
export type Target =
  { readonly socketPath: string } | { readonly host: string; readonly port: number };

/** One HTTP exchange with the gateway. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: unknown;
  /** The `x-request-id` response header ('' when missing). */
  readonly requestId: string;
  /** Local TCP port of the connection (TCP targets only): tells whether a socket was reused. */
  readonly localPort: number | undefined;
}

/** Options of one call. */
export interface CallOptions {
  readonly method?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** An object is sent as JSON; a string or bytes as they are. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Default: a fresh connection per call (`agent: false`). */
  readonly agent?: Agent;
  /** Send the body chunked, without a content-length. */
  readonly chunked?: boolean;
}

/** A request/response pair the gateway answered, for checking the audit log afterwards. */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly requestId: string;
  /** The problem code of an error answer. */
  readonly code: string | undefined;
}

function bodyBytes(body: unknown): Buffer | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** Sends one request and reads the whole response. */
export function call(target: Target, path: string, options: CallOptions = {}): Promise<Reply> {
  const payload = bodyBytes(options.body);
  const method = options.method ?? (payload === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json';
    if (options.chunked !== true) headers['content-length'] = String(payload.byteLength);
  }
  return new Promise<Reply>((resolve, reject) => {
    const outgoing = request(
      {
        ...target,
        path,
        method,
        headers,
        agent: options.agent ?? false,
      },
      (response) => {
        // Read now: a keep-alive socket is handed back to the agent before 'end'.
        const localPort = response.socket.localPort;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text) as unknown;
          } catch {
            json = undefined;
          }
          const requestId = response.headers['x-request-id'];
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            json,
            requestId: typeof requestId === 'string' ? requestId : '',
            localPort,
          });
        });
      },
    );
    outgoing.on('error', reject);
    if (payload !== undefined) outgoing.write(payload);
    outgoing.end();
  });
}

/** A request whose body is only half sent: it stays in flight until {@link finish}. */
export interface HeldRequest {
  /** Sends the rest of the body and reads the response. */
  finish(): Promise<Reply>;
}

/**
 * Starts a POST with a JSON body, sends the headers and the first half of the body, and holds
 * the rest: the gateway has started handling the request (it waits for the body).
 */
export function holdRequest(
  target: Target,
  path: string,
  options: { token: string; body: unknown; agent?: Agent },
): HeldRequest {
  const payload = Buffer.from(JSON.stringify(options.body), 'utf8');
  const half = Math.floor(payload.byteLength / 2);
  let settled: Promise<Reply> | undefined;
  const outgoing = request({
    ...target,
    path,
    method: 'POST',
    headers: {
      authorization: `Bearer ${options.token}`,
      'content-type': 'application/json',
      'content-length': String(payload.byteLength),
    },
    agent: options.agent ?? false,
  });
  const response = new Promise<Reply>((resolve, reject) => {
    outgoing.on('error', reject);
    outgoing.on('response', (incoming) => {
      const localPort = incoming.socket.localPort;
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const requestId = incoming.headers['x-request-id'];
        resolve({
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          text,
          json: JSON.parse(text) as unknown,
          requestId: typeof requestId === 'string' ? requestId : '',
          localPort,
        });
      });
    });
  });
  // Until finish() is called, a failure is kept for it rather than left unhandled.
  response.catch(() => undefined);
  outgoing.flushHeaders();
  outgoing.write(payload.subarray(0, half));
  return {
    finish() {
      settled ??= (() => {
        outgoing.end(payload.subarray(half));
        return response;
      })();
      return settled;
    },
  };
}

/**
 * A client for one gateway that remembers every `/v1` exchange (for the audit checks) and
 * formats request bodies.
 */
export class GatewayClient {
  readonly exchanges: Exchange[] = [];

  constructor(readonly target: Target) {}

  async call(path: string, options: CallOptions = {}): Promise<Reply> {
    const reply = await call(this.target, path, options);
    if (path.startsWith('/v1')) {
      this.exchanges.push({
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        path,
        status: reply.status,
        requestId: reply.requestId,
        code: (reply.json as { code?: string } | undefined)?.code,
      });
    }
    return reply;
  }

  get(path: string, token?: string, options: CallOptions = {}): Promise<Reply> {
    return this.call(path, { ...options, ...(token === undefined ? {} : { token }) });
  }

  /** `POST /v1/keys/{ref}/{op}` with a JSON body; the reference is URL-encoded here. */
  op(
    ref: string,
    op: string,
    token: string,
    body: unknown,
    options: CallOptions = {},
  ): Promise<Reply> {
    return this.call(keyPath(ref, op), { ...options, method: 'POST', token, body });
  }
}

/** `/v1/keys/{ref}` or `/v1/keys/{ref}/{op}`, the reference URL-encoded. */
export function keyPath(ref: string, op?: string): string {
  const base = `/v1/keys/${encodeURIComponent(ref)}`;
  return op === undefined ? base : `${base}/${op}`;
}

/** Base64 of bytes or of a UTF-8 string. */
export function b64(value: Uint8Array | string): string {
  return (typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value)).toString(
    'base64',
  );
}

/** Bytes of a base64 string. */
export function unb64(value: string): Buffer {
  return Buffer.from(value, 'base64');
}

/** Waits until `check` resolves true, polling every `intervalMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
