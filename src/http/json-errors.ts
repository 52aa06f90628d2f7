import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import { ClientErrorCode } from "../graph/errors";
import type { Logger } from "../observability/logger";

/**
 * Answers with the GraphQL error shape, `{ errors: [{ message, extensions: { code } }] }`, so
 * that a client reads every refusal the same way, whichever layer refused.
 */
export function sendError(res: Response, status: number, code: ClientErrorCode, message: string): void {
  res
    .status(status)
    .type("application/json")
    .send(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/** Any route nobody serves: JSON 404, never Express's HTML page. */
export function notFound(): RequestHandler {
  return (_req, res) => sendError(res, 404, ClientErrorCode.NOT_FOUND, "Not found");
}

/** What body-parser's own client errors (`type`) mean, in words that echo nothing of the body. */
const BODY_ERRORS: Record<string, string> = {
  "entity.parse.failed": "The request body is not valid JSON",
  "entity.verify.failed": "The request body could not be read",
  "encoding.unsupported": "The request body's content encoding is not supported",
  "charset.unsupported": "The request body's charset is not supported",
  "request.aborted": "The request was aborted",
  "request.size.invalid": "The request body is shorter or longer than its Content-Length",
};

interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
}

/**
 * The last Express handler: body errors answer 4xx in JSON; anything else is logged and
 * answers a bare 500. Never HTML, never a stack trace, whatever NODE_ENV says.
 */
export function jsonErrors(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const { status, statusCode, type } = (typeof error === "object" && error !== null ? error : {}) as HttpishError;
    const code = Number(status ?? statusCode);
    if (code === 413) {
      return sendError(res, 413, ClientErrorCode.PAYLOAD_TOO_LARGE, `The request body is larger than ${maxBodyBytes} bytes`);
    }
    if (code >= 400 && code < 500) {
      const message = (typeof type === "string" && BODY_ERRORS[type]) || "Bad request";
      return sendError(res, code, ClientErrorCode.BAD_REQUEST, message);
    }
    logger.error({ err: error }, "unexpected error in an HTTP request");
    sendError(res, 500, ClientErrorCode.INTERNAL_SERVER_ERROR, "Internal server error");
  };
}
