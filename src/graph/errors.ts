import type { GraphQLFormattedError } from "graphql";
import { GraphQLError } from "graphql";
import { ArgumentValidationError, AuthenticationError, AuthorizationError } from "type-graphql";
import type { ValidationError } from "class-validator";
import { AuthError, AuthErrorCode } from "../auth/auth.error";
import type { Logger } from "../observability/logger";
import { SourceError, SourceErrorCode } from "../sources/source.error";
import { SsoError, SsoErrorCode } from "../sso/sso.error";
import { SyncError, SyncErrorCode } from "../sync/sync.error";
import { WritebackError, WritebackErrorCode } from "../writeback/writeback.error";
import { GraphError, GraphErrorCode } from "./graph.error";

/** The codes a client can see in `extensions.code`. */
export enum ClientErrorCode {
  /** The document is not GraphQL, or has more tokens than the caller may send (Apollo's code). */
  GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED",
  /** The document breaks a rule of GraphQL or one of the operation limits (Apollo's code). */
  GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED",
  /** The HTTP request itself is malformed, e.g. its body is not JSON (Apollo's code). */
  BAD_REQUEST = "BAD_REQUEST",
  /** The HTTP body is larger than the gateway reads (413). */
  PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE",
  BAD_USER_INPUT = "BAD_USER_INPUT",
  UNAUTHENTICATED = "UNAUTHENTICATED",
  FORBIDDEN = "FORBIDDEN",
  NOT_FOUND = "NOT_FOUND",
  /** The AMS or identity provider did not answer; try again later. */
  SOURCE_UNAVAILABLE = "SOURCE_UNAVAILABLE",
  /** Too many attempts; `extensions.retryAfterSeconds` says when to try again. */
  RATE_LIMITED = "RATE_LIMITED",
  INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR",
  /** Members are edited by hand only where the cache is the system of record (AMS_SOURCE=spreadsheet). */
  NOT_SOURCE_OF_RECORD = "NOT_SOURCE_OF_RECORD",
  /** A subscription read its events too slowly and was ended; subscribe again (and re-read state). */
  SUBSCRIBER_TOO_SLOW = "SUBSCRIBER_TOO_SLOW",
}

/** What a client is told about one error. */
export interface Mapped {
  code: string;
  message: string;
  extensions?: Record<string, unknown>;
}

function assertNever(value: never): never {
  throw new Error(`unmapped error code ${String(value)}`);
}

function fromGraphError(error: GraphError): Mapped {
  switch (error.code) {
    case GraphErrorCode.BAD_USER_INPUT:
    case GraphErrorCode.UNAUTHENTICATED:
    case GraphErrorCode.FORBIDDEN:
    case GraphErrorCode.SUBSCRIBER_TOO_SLOW:
      return { code: error.code, message: error.message };
    default:
      return assertNever(error.code);
  }
}

/**
 * Refused credentials, for the GraphQL boundary and for the HTTP answer built when the
 * context cannot be (see `http/`). The message never echoes the credential.
 */
export function fromAuthError(error: AuthError): Mapped {
  switch (error.code) {
    case AuthErrorCode.MALFORMED_CREDENTIALS:
    case AuthErrorCode.INVALID_CREDENTIALS:
      return { code: ClientErrorCode.UNAUTHENTICATED, message: error.message };
    default:
      return assertNever(error.code);
  }
}

/** A refused sign-on, for GraphQL and for the `/auth/...` routes' JSON answers. */
export function fromSsoError(error: SsoError): Mapped {
  // Messages were written for clients: they name the failure's kind, never its cryptographic cause.
  switch (error.code) {
    case SsoErrorCode.INVALID_TOKEN:
    case SsoErrorCode.EXPIRED_TOKEN:
    case SsoErrorCode.REPLAYED_TOKEN:
    case SsoErrorCode.CREDENTIALS_REJECTED:
    case SsoErrorCode.MEMBER_NOT_FOUND:
    case SsoErrorCode.LOGIN_STATE_INVALID:
    case SsoErrorCode.PROVIDER_REFUSED:
      return { code: ClientErrorCode.UNAUTHENTICATED, message: error.message, extensions: { reason: error.code } };
    case SsoErrorCode.MEMBER_DISABLED:
      return { code: ClientErrorCode.FORBIDDEN, message: error.message, extensions: { reason: error.code } };
    case SsoErrorCode.RATE_LIMITED:
      return { code: ClientErrorCode.RATE_LIMITED, message: error.message, extensions: { retryAfterSeconds: error.retryAfterSeconds } };
    case SsoErrorCode.METHOD_DISABLED:
    case SsoErrorCode.BAD_REQUEST:
      return { code: ClientErrorCode.BAD_USER_INPUT, message: error.message };
    case SsoErrorCode.RETURN_URL_NOT_ALLOWED:
      return { code: ClientErrorCode.BAD_USER_INPUT, message: error.message, extensions: { reason: error.code } };
    case SsoErrorCode.PROVIDER_UNAVAILABLE:
      return { code: ClientErrorCode.SOURCE_UNAVAILABLE, message: error.message };
    default:
      return assertNever(error.code);
  }
}

function fromSyncError(error: SyncError): Mapped {
  switch (error.code) {
    case SyncErrorCode.NOT_FOUND:
      return { code: ClientErrorCode.NOT_FOUND, message: error.message };
    case SyncErrorCode.INVALID_REQUEST:
      return { code: ClientErrorCode.BAD_USER_INPUT, message: error.message };
    case SyncErrorCode.SOURCE_UNAVAILABLE:
      return { code: ClientErrorCode.SOURCE_UNAVAILABLE, message: error.message };
    case SyncErrorCode.NOT_SOURCE_OF_RECORD:
      return { code: ClientErrorCode.NOT_SOURCE_OF_RECORD, message: error.message };
    default:
      return assertNever(error.code);
  }
}

function fromWritebackError(error: WritebackError): Mapped {
  const reason = { reason: error.code };
  switch (error.code) {
    case WritebackErrorCode.INVALID_INPUT:
    case WritebackErrorCode.IDEMPOTENCY_CONFLICT:
    case WritebackErrorCode.TOO_MANY:
    case WritebackErrorCode.UNSUPPORTED:
      return { code: ClientErrorCode.BAD_USER_INPUT, message: error.message, extensions: reason };
    case WritebackErrorCode.MEMBER_NOT_FOUND:
      return { code: ClientErrorCode.NOT_FOUND, message: error.message, extensions: reason };
    default:
      return assertNever(error.code);
  }
}

function fromSourceError(error: SourceError): Mapped {
  switch (error.code) {
    case SourceErrorCode.TEMPORARY:
    case SourceErrorCode.AUTH_REJECTED:
    case SourceErrorCode.CONTRACT_VIOLATION:
      // The gateway's own credentials or the AMS's answers are at fault, not the caller's request.
      return { code: ClientErrorCode.SOURCE_UNAVAILABLE, message: "The AMS could not answer; try again later" };
    case SourceErrorCode.NOT_FOUND:
      return { code: ClientErrorCode.NOT_FOUND, message: error.message };
    default:
      return assertNever(error.code);
  }
}

function describeValidation(errors: ValidationError[], prefix = ""): string[] {
  return errors.flatMap((error) => {
    const path = `${prefix}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((text) => text.replace(error.property, path));
    return [...own, ...describeValidation(error.children ?? [], `${path}.`)];
  });
}

/**
 * Maps a thrown error to what the client sees, or undefined when it is not ours to map.
 * One place, one switch per domain; anything it does not know is masked by the caller.
 */
function mapKnown(error: unknown): Mapped | undefined {
  if (error instanceof GraphError) return fromGraphError(error);
  if (error instanceof AuthError) return fromAuthError(error);
  if (error instanceof SsoError) return fromSsoError(error);
  if (error instanceof SyncError) return fromSyncError(error);
  if (error instanceof SourceError) return fromSourceError(error);
  if (error instanceof WritebackError) return fromWritebackError(error);
  if (error instanceof ArgumentValidationError) {
    const details = describeValidation(error.extensions.validationErrors);
    return { code: ClientErrorCode.BAD_USER_INPUT, message: details.join("; ") || "Invalid argument" };
  }
  if (error instanceof AuthenticationError) {
    return { code: ClientErrorCode.UNAUTHENTICATED, message: "Sign in to do this" };
  }
  if (error instanceof AuthorizationError) {
    return { code: ClientErrorCode.FORBIDDEN, message: "You may not do this" };
  }
  return undefined;
}

/** Apollo's `formatError` signature; graphql-ws calls it the same way. */
export type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

export interface ErrorFormatterOptions {
  /** Strip graphql-js's "Did you mean …?" suggestions, which name fields, types and enum values. */
  hideSchemaDetails: boolean;
}

/**
 * graphql-js appends its suggestions as " Did you mean …?" (field, argument, type, input field
 * and enum value names, in validation and in variable coercion alike); names never hold "?".
 */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * The one error boundary of the graph, shared by HTTP (Apollo's `formatError`) and WebSocket
 * operations. Domain errors get their client code; GraphQL's own request errors keep theirs;
 * everything else is logged in full and reaches the client only as INTERNAL_SERVER_ERROR.
 */
export function createErrorFormatter(logger: Logger, options: ErrorFormatterOptions): ErrorFormatter {
  const format = formatWith(logger);
  if (!options.hideSchemaDetails) return format;
  return (formatted, error) => {
    const result = format(formatted, error);
    return { ...result, message: result.message.replace(SUGGESTION, "") };
  };
}

function formatWith(logger: Logger): ErrorFormatter {
  return (formatted, error) => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    const mapped = mapKnown(original ?? error);
    const base = { locations: formatted.locations, path: formatted.path };
    if (mapped) {
      // A scalar that refuses a literal surfaces as a validation error; it is still bad input.
      return {
        ...base,
        message: requestMessage(formatted.message, original, mapped),
        extensions: { code: mapped.code, ...mapped.extensions },
      };
    }
    if (error instanceof GraphQLError && (original === undefined || original instanceof GraphQLError)) {
      // Parse, validation and variable errors from GraphQL itself: already about the request.
      const code = formatted.extensions?.code ?? ClientErrorCode.BAD_USER_INPUT;
      return { ...base, message: formatted.message, extensions: { code } };
    }
    logger.error({ err: original ?? error, path: formatted.path }, "unexpected error in a GraphQL operation");
    return { ...base, message: "Internal server error", extensions: { code: ClientErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

/** Keeps GraphQL's own context ("Expected value of type Date, found …") when it wraps ours. */
function requestMessage(formattedMessage: string, original: unknown, mapped: Mapped): string {
  if (original instanceof GraphError && formattedMessage !== original.message && formattedMessage.includes(original.message)) {
    return formattedMessage;
  }
  return mapped.message;
}
