import { ProviderError, isProviderError } from '@keyroute/core';

/** Options of {@link httpGet}. */
export interface HttpGetOptions {
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  /** Time limit of the whole request, body included, in milliseconds. */
  readonly timeoutMs: number;
  /** The caller's signal: an abort rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** An HTTP answer, body read in full. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: Uint8Array;
}

function tooLarge(url: URL, maxBytes: number): ProviderError {
  return new ProviderError(
    'INVALID_INPUT',
    `the answer of ${url.origin}${url.pathname} is larger than ${maxBytes} bytes; raise maxBytes if the key is that large`,
  );
}

/** Reads a body, stopping (and cancelling the stream) as soon as it passes `maxBytes`. */
async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  url: URL,
  maxBytes: number,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(url, maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * GETs `url` with the global `fetch`, under a time limit and a streaming size limit (a body is
 * never held beyond `maxBytes`, whatever `Content-Length` says).
 *
 * @throws ProviderError `TIMEOUT` after `timeoutMs`; `UNAVAILABLE` when the server cannot be
 *   reached; `INVALID_INPUT` when the body is too large; `signal.reason` when the caller aborts.
 */
export async function httpGet(url: URL, options: HttpGetOptions): Promise<HttpAnswer> {
  options.signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal =
    options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  const where = `${url.origin}${url.pathname}`;
  try {
    const response = await fetch(url, {
      signal,
      redirect: 'follow',
      headers: { accept: 'application/pgp-keys, text/plain;q=0.9, */*;q=0.1' },
    });
    const length = Number(response.headers.get('content-length') ?? NaN);
    if (length > options.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge(url, options.maxBytes);
    }
    return {
      status: response.status,
      body: await readLimited(response.body, url, options.maxBytes),
    };
  } catch (error) {
    if (options.signal?.aborted === true) throw options.signal.reason;
    if (timeout.aborted) {
      throw new ProviderError(
        'TIMEOUT',
        `the keyserver ${where} did not answer within ${options.timeoutMs} ms`,
        { cause: error },
      );
    }
    if (isProviderError(error)) throw error;
    const reason =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    throw new ProviderError('UNAVAILABLE', `the keyserver ${where} cannot be reached: ${reason}`, {
      cause: error,
    });
  }
}
