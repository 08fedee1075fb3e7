import type { ServerResponse } from 'node:http';
import type { ProblemDocument } from './problem.js';

/** Sends a JSON body (never cached). */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

/** Sends an `application/problem+json` document. */
export function sendProblem(response: ServerResponse, problem: ProblemDocument): void {
  const text = JSON.stringify(problem);
  response.writeHead(problem.status, {
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...(problem.status === 401 ? { 'www-authenticate': 'Bearer realm="keyroute"' } : {}),
  });
  response.end(text);
}

/** Sends plain text (metrics). */
export function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  type: string,
): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
