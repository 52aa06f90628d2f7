import pino, { type Logger } from "pino";
import type { LogLevel } from "../config/config";

export type { Logger } from "pino";

/** Field paths that may carry secrets anywhere in a log record; pino replaces them. */
const REDACTED_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "password",
  "*.password",
  "token",
  "*.token",
  "accessToken",
  "*.accessToken",
  "apiKey",
  "*.apiKey",
];

/**
 * Errors are logged with their message, type, code and stack, but never the parameters or the
 * SQL with values of a failed query: those carry member data, and can run to megabytes.
 */
function errorSerializer(error: unknown): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  const { parameters: _parameters, driverError: _driverError, sql: _sql, query, ...kept } = serialized;
  return typeof query === "string" ? { ...kept, query: query.length > 300 ? `${query.slice(0, 300)}…` : query } : kept;
}

/** Structured JSON logs on stdout, one object a line. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      serializers: { err: errorSerializer },
      base: { service: "amsgate" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
