// The one place errors become HTTP: StatusErrors keep their code and Status body; framework
// errors map to the nearest Kubernetes reason; anything else is a 500 whose details stay in the log.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { StatusError, badRequest, internalError, methodNotAllowed, requestEntityTooLarge, routeNotFound, unsupportedMediaType } from '../store/status-error.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

function toStatusError(err: FastifyError | Error): StatusError {
  if (err instanceof StatusError) return err;
  const code = (err as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return requestEntityTooLarge(MAX_BODY_BYTES);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return unsupportedMediaType('');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return badRequest(err.message);
    case 'FST_ERR_NOT_FOUND':
      return routeNotFound();
  }
  const statusCode = (err as FastifyError).statusCode;
  if (statusCode === 405) return methodNotAllowed();
  if (statusCode === 413) return requestEntityTooLarge(MAX_BODY_BYTES);
  if (statusCode === 415) return unsupportedMediaType('');
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return badRequest(err.message);
  return internalError();
}

/**
 * Sends a Status as kube-apiserver does: `Content-Type: application/json` exactly. The body goes
 * out as a Buffer, the one payload type to which Fastify appends no `charset` parameter.
 */
function sendStatus(reply: FastifyReply, status: StatusError): FastifyReply {
  return reply.header('content-type', 'application/json').send(Buffer.from(JSON.stringify(status.status)));
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a malformed percent-encoding in
 * the path, a path segment over maxParamLength) answer with Status objects too.
 */
export function frameworkErrorHandler(err: FastifyError, _request: unknown, reply: FastifyReply): void {
  const status = toStatusError(err);
  void sendStatus(reply.code(status.code), status);
}

/** Installs the error and not-found handlers that answer with Status objects. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const status = toStatusError(err as Error);
    if (status.code >= 500) request.log.error({ err }, 'request failed');
    else request.log.debug({ status: status.status }, 'request rejected');
    void sendStatus(reply.code(status.code).headers(status.headers), status);
  });
  app.setNotFoundHandler((_request, reply) => {
    void sendStatus(reply.code(404), routeNotFound());
  });
}
