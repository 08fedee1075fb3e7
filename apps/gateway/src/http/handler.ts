import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProviderError } from '@keyroute/core';
import type { Logger } from 'pino';
import type { AuditLog, AuditOutcome } from '../audit/index.js';
import { findApp } from '../auth/tokens.js';
import type { AppSpec } from '../config/types.js';
import type { GatewayState } from '../gateway/gateway-state.js';
import * as operations from '../gateway/operations.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import { readJsonBody } from './body.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import { HttpProblem, problemOf } from './problem.js';
import { RateLimiter } from './rate-limit.js';
import { sendJson, sendProblem, sendText } from './respond.js';
import { matchRoute, type Route } from './routes.js';

/** What the request handler needs from the running gateway. */
export interface HandlerContext {
  /** The configuration in force (changes on reload). */
  readonly state: () => GatewayState;
  readonly audit: AuditLog;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Gauges rendered with /metrics (provider health, pool use). */
  readonly gauges: () => Parameters<GatewayMetrics['render']>[0];
}

/** What one request did, for the audit record, the metrics and the log. */
interface Outcome {
  app: AppSpec | undefined;
  op: string;
  key?: string;
  provider?: string;
}

/** The 404 or 405 of a request no route serves. */
function routeProblem(route: Route, pathname: string): HttpProblem {
  return route.kind === 'method-not-allowed'
    ? new HttpProblem(405, 'METHOD_NOT_ALLOWED', `use ${route.allow}`)
    : new HttpProblem(404, 'NOT_FOUND', `no route ${pathname.slice(0, 200)}`);
}

/** A key reference as typed by the client, made safe for the audit log (no control chars, bounded). */
function auditableReference(reference: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  return reference.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 256);
}

function auditOp(route: Route): string {
  switch (route.kind) {
    case 'operation':
      return route.op;
    case 'key':
      return 'get';
    case 'keys':
    case 'certificates':
    case 'providers':
    case 'capabilities':
      return 'list';
    default:
      return route.kind;
  }
}

/**
 * The gateway's request handler: request id on every response; `/healthz`, `/metrics` and
 * `/openapi.json` without auth; `/v1/*` with a bearer token (401), the app's ACL (403/404), a
 * per-app rate limit (429), a body limit (413); one durable audit record per `/v1` request
 * before its response (an audit log that cannot be written turns the request into a 503 and,
 * for operations, stops them before the provider is asked); errors as problem+json.
 */
export function createRequestHandler(
  context: HandlerContext,
): (request: IncomingMessage, response: ServerResponse) => void {
  const limiters = new WeakMap<GatewayState, RateLimiter>();
  const limiterOf = (state: GatewayState): RateLimiter => {
    let limiter = limiters.get(state);
    if (limiter === undefined) {
      limiter = new RateLimiter(state.config.limits.ratePerMinute);
      limiters.set(state, limiter);
    }
    return limiter;
  };

  return (request, response) => {
    const requestId = randomUUID();
    response.setHeader('x-request-id', requestId);
    const started = performance.now();
    const url = new URL(request.url ?? '/', 'http://keyroute');
    const route = matchRoute(request.method ?? 'GET', url.pathname);
    void handle(route).catch((error: unknown) => {
      context.logger.error({ requestId, err: error }, 'request handler failed');
      if (!response.headersSent) sendProblem(response, problemOf(error));
    });

    async function handle(route: Route): Promise<void> {
      switch (route.kind) {
        case 'health':
          sendJson(response, 200, { status: 'ok' });
          return;
        case 'metrics':
          sendText(
            response,
            200,
            context.metrics.render(context.gauges()),
            'text/plain; version=0.0.4',
          );
          return;
        case 'openapi':
          sendJson(response, 200, OPENAPI_DOCUMENT);
          return;
        case 'not-found':
        case 'method-not-allowed':
          if (route.kind === 'method-not-allowed') response.setHeader('allow', route.allow);
          // Under /v1 every request is authenticated and audited, even a wrong one.
          if (url.pathname.startsWith('/v1/')) {
            await handleApi(route);
            return;
          }
          sendProblem(response, problemOf(routeProblem(route, url.pathname)));
          return;
        default:
          await handleApi(route);
      }
    }

    async function handleApi(route: Route): Promise<void> {
      const state = context.state();
      state.enter();
      const outcome: Outcome = { app: undefined, op: auditOp(route) };
      let status = 200;
      let body: unknown;
      let failure: unknown;
      // Not AbortSignal.timeout: its timer would outlive the request; this one is cleared.
      const deadline = new AbortController();
      const signal = deadline.signal;
      const timer = setTimeout(() => {
        deadline.abort(new DOMException('the request timed out', 'TimeoutError'));
      }, state.config.limits.requestTimeoutMs);
      timer.unref();
      try {
        outcome.app = findApp(state.apps, request.headers.authorization);
        if (outcome.app === undefined) {
          throw new HttpProblem(
            401,
            'UNAUTHENTICATED',
            'a valid bearer token is required (Authorization: Bearer <token>)',
          );
        }
        if (!limiterOf(state).take(outcome.app.name)) {
          throw new HttpProblem(
            429,
            'RATE_LIMITED',
            `app "${outcome.app.name}" exceeded ${state.config.limits.ratePerMinute} requests per minute`,
          );
        }
        body = await dispatch(state, outcome.app, route, outcome, signal);
      } catch (error) {
        // The request's own time limit ends with the signal's reason: answer it as a timeout.
        failure =
          signal.aborted && error === signal.reason
            ? new ProviderError(
                'TIMEOUT',
                `the request did not finish within ${state.config.limits.requestTimeoutMs} ms`,
              )
            : error;
        status = problemOf(failure).status;
      } finally {
        clearTimeout(timer);
        state.release();
      }
      const outcomeName: AuditOutcome =
        failure === undefined ? 'ok' : status === 401 || status === 403 ? 'denied' : 'error';
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      const problem = failure === undefined ? undefined : problemOf(failure);
      try {
        await context.audit.append({
          requestId,
          app: outcome.app?.name ?? null,
          op: outcome.op,
          ...(outcome.key === undefined ? {} : { key: outcome.key }),
          ...(outcome.provider === undefined ? {} : { provider: outcome.provider }),
          outcome: outcomeName,
          ...(problem === undefined ? {} : { code: problem.code }),
          status,
          durationMs,
        });
      } catch (error) {
        context.logger.error({ requestId, err: error }, 'audit record could not be written');
        failure = new HttpProblem(
          503,
          'UNAVAILABLE',
          'the audit log cannot be written; the request was not answered',
        );
        status = 503;
      }
      context.metrics.observe(
        outcome.op,
        outcome.provider ?? '-',
        failure === undefined ? 'ok' : problemOf(failure).code,
        durationMs / 1000,
      );
      context.logger.info(
        {
          requestId,
          app: outcome.app?.name,
          op: outcome.op,
          key: outcome.key,
          provider: outcome.provider,
          status,
          durationMs,
        },
        'request',
      );
      if (failure === undefined) sendJson(response, status, body);
      else sendProblem(response, problemOf(failure));
    }

    async function dispatch(
      state: GatewayState,
      app: AppSpec,
      route: Route,
      outcome: Outcome,
      signal: AbortSignal,
    ): Promise<unknown> {
      switch (route.kind) {
        case 'providers':
          return operations.listProviders(state);
        case 'capabilities':
          return { capabilities: state.router.capabilities() };
        case 'keys':
          return operations.listKeys(state, app, signal);
        case 'certificates':
          return operations.listCertificates(state, app, signal);
        case 'key': {
          outcome.key = auditableReference(route.ref);
          const key = await operations.getKey(state, app, route.ref, signal);
          outcome.key = key.id;
          outcome.provider = key.provider;
          return key;
        }
        case 'operation': {
          outcome.key = auditableReference(route.ref);
          const payload = await readJsonBody(request, state.config.limits.bodyBytes);
          const resolved = await operations.keyFor(state, app, route.ref, route.op, signal);
          outcome.key = resolved.gatewayId;
          outcome.provider = resolved.key.provider;
          // No operation without a writable audit log.
          context.audit.ensureWritable();
          return operations[route.op](resolved, payload, signal);
        }
        default:
          throw routeProblem(route, url.pathname);
      }
    }
  };
}
