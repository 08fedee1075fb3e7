import { isProviderError, type ErrorCode } from '@keyroute/core';

/** Codes the gateway adds to core's for failures that happen before a provider is asked. */
export type GatewayCode =
  | ErrorCode
  | 'UNAUTHENTICATED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED';

/** An error the gateway answers with a given status and code. */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: GatewayCode,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_OF_CODE: Readonly<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  DENIED: 403,
  KEY_NOT_FOUND: 404,
  UNSUPPORTED: 422,
  LOCKED: 423,
  BAD_SECRET: 423,
  UNAVAILABLE: 503,
  CANCELLED: 503,
  TIMEOUT: 504,
  PROTOCOL: 502,
  INTERNAL: 500,
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  422: 'Unprocessable Content',
  423: 'Locked',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** An RFC 9457 problem document as the gateway sends it. */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: GatewayCode;
}

/**
 * The problem document for any failure: `HttpProblem`s and `ProviderError`s keep their message
 * (keyroute's own wording, never a secret); anything else is a 500 with a generic detail so that
 * no stack or foreign text leaks.
 */
export function problemOf(error: unknown): ProblemDocument {
  if (error instanceof HttpProblem) return document(error.status, error.code, error.message);
  if (isProviderError(error))
    return document(STATUS_OF_CODE[error.code], error.code, error.message);
  return document(
    500,
    'INTERNAL',
    'the gateway failed unexpectedly; see its log with the request id',
  );
}

function document(status: number, code: GatewayCode, detail: string): ProblemDocument {
  return {
    type: `https://keyroute.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail: detail.slice(0, 1_000),
    code,
  };
}
