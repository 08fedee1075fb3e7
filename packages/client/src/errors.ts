import { ErrorCode, ProviderError } from '@keyroute/core';
import type { GatewayAnswer } from './transport.js';

const KNOWN = new Set<string>(Object.values(ErrorCode));

/** The contract code for a gateway status when the problem's own code is not one of core's. */
function codeOfStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'DENIED';
  if (status === 404) return 'KEY_NOT_FOUND';
  if (status === 413 || status === 400) return 'INVALID_INPUT';
  if (status === 422) return 'UNSUPPORTED';
  if (status === 423) return 'LOCKED';
  if (status === 429 || status === 503) return 'UNAVAILABLE';
  if (status === 504) return 'TIMEOUT';
  if (status === 502) return 'PROTOCOL';
  return 'INTERNAL';
}

/**
 * Turns a gateway's problem+json answer back into a `ProviderError` with the same code (the
 * gateway's own codes — UNAUTHENTICATED, PAYLOAD_TOO_LARGE, RATE_LIMITED — become DENIED,
 * INVALID_INPUT and UNAVAILABLE), keeping the detail and the request id for support.
 */
export function errorOfAnswer(
  answer: GatewayAnswer,
  provider: string,
  key: string | undefined,
): ProviderError {
  const problem = (typeof answer.body === 'object' && answer.body !== null ? answer.body : {}) as {
    code?: unknown;
    detail?: unknown;
  };
  const code =
    typeof problem.code === 'string' && KNOWN.has(problem.code)
      ? (problem.code as ErrorCode)
      : codeOfStatus(answer.status);
  const detail =
    typeof problem.detail === 'string' ? problem.detail : `the gateway answered ${answer.status}`;
  const reference = answer.requestId === undefined ? '' : ` (request ${answer.requestId})`;
  return new ProviderError(code, `${detail}${reference}`, {
    provider,
    ...(key === undefined ? {} : { key }),
  });
}

/** The error for a gateway that cannot be reached, saying how it was addressed. */
export function unreachable(description: string, provider: string, cause: unknown): ProviderError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ProviderError(
    'UNAVAILABLE',
    `the keyroute gateway at ${description} cannot be reached: ${reason}`,
    {
      provider,
      cause,
    },
  );
}
