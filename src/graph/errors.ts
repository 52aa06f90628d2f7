import type { GraphQLFormattedError } from "graphql";
import { GraphQLError } from "graphql";
import { ArgumentValidationError, AuthenticationError, AuthorizationError } from "type-graphql";
import type { ValidationError } from "class-validator";
import type { Logger } from "../observability/logger";
import { GraphError, GraphErrorCode } from "./graph.error";

/** The codes a client can see in `extensions.code`. */
export enum ClientErrorCode {
  BAD_USER_INPUT = "BAD_USER_INPUT",
  UNAUTHENTICATED = "UNAUTHENTICATED",
  FORBIDDEN = "FORBIDDEN",
  NOT_FOUND = "NOT_FOUND",
  INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR",
}

interface Mapped {
  code: string;
  message: string;
}

function assertNever(value: never): never {
  throw new Error(`unmapped error code ${String(value)}`);
}

function fromGraphError(error: GraphError): Mapped {
  switch (error.code) {
    case GraphErrorCode.BAD_USER_INPUT:
    case GraphErrorCode.UNAUTHENTICATED:
    case GraphErrorCode.FORBIDDEN:
    case GraphErrorCode.NOT_FOUND:
      return { code: error.code, message: error.message };
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

/**
 * The one error boundary of the graph, shared by HTTP (Apollo's `formatError`) and WebSocket
 * operations. Domain errors get their client code; GraphQL's own request errors keep theirs;
 * everything else is logged in full and reaches the client only as INTERNAL_SERVER_ERROR.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    const mapped = mapKnown(original ?? error);
    const base = { locations: formatted.locations, path: formatted.path };
    if (mapped) {
      // A scalar that refuses a literal surfaces as a validation error; it is still bad input.
      return { ...base, message: requestMessage(formatted.message, original, mapped), extensions: { code: mapped.code } };
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
