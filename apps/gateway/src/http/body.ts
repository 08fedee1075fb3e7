import type { IncomingMessage } from 'node:http';
import { HttpProblem } from './problem.js';

/**
 * Reads a JSON request body of at most `limit` bytes: 413 as soon as the declared or received
 * size exceeds it (the rest is not read), 400 for anything but a JSON object, 415 is not
 * enforced (clients often omit the content type). An empty body is `{}`.
 */
export async function readJsonBody(
  request: IncomingMessage,
  limit: number,
): Promise<Record<string, unknown>> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    throw new HttpProblem(
      413,
      'PAYLOAD_TOO_LARGE',
      `the body is ${declared} bytes; the limit is ${limit} (hash large data and send a digest)`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      throw new HttpProblem(
        413,
        'PAYLOAD_TOO_LARGE',
        `the body exceeds the limit of ${limit} bytes (hash large data and send a digest)`,
      );
    }
    chunks.push(buffer);
  }
  if (size === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'INVALID_INPUT', 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpProblem(400, 'INVALID_INPUT', 'the body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
