import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { getVariableValues } from "graphql/execution/values";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";
import type { Role } from "../auth/viewer";
import type { GraphContext } from "./context";
import { DecidedResolvers, roleKeyOf } from "./decided-resolvers";
import { RESOLVERS } from "./schema";

/** Distinct (role set, document) pairs kept compiled; the oldest unused one goes first past this. */
const MAX_COMPILED = 500;

type Entry = CompiledQuery | "interpret";

/**
 * Queries and mutations as compiled operations (graphql-jit), on both transports. Each
 * document (with its operation name) is compiled once per role set and kept in a bounded cache
 * keyed by the role set and its text: `@Authorized` is decided for that role set while
 * compiling (see {@link DecidedResolvers}), so its fields run no check per value; everything
 * else viewer-specific (visibility of members, rows, contact fields) still runs per call. What
 * stays with graphql-js, so that answers and errors are exactly its own:
 * - variables are coerced by graphql-js first: a bad variable gets graphql-js's error, not the
 *   compiler's wording (Apollo recognises those as BAD_USER_INPUT by their shape);
 * - introspection, subscriptions, an unknown operation name and any document the compiler
 *   refuses run on graphql-js's interpreter.
 * Errors raised while resolving are GraphQLErrors wrapping the original, as graphql-js makes
 * them, so the one error formatter maps them the same way.
 */
export class CompiledOperations {
  private readonly entries = new Map<string, Entry>();
  private readonly decided: DecidedResolvers;

  constructor(private readonly schema: GraphQLSchema) {
    this.decided = new DecidedResolvers(schema, RESOLVERS);
  }

  /** `source` is the document's text, the cache key; without it the operation is interpreted. */
  execute(args: ExecutionArgs, source: string | undefined): Promise<ExecutionResult> | ExecutionResult {
    if (source === undefined || args.schema !== this.schema) return execute(args);
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation || operation.operation === "subscription") return execute(args);
    const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {}, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    // Every context the app builds has a viewer; anything else runs as type-graphql decides.
    const roles = (args.contextValue as Partial<GraphContext> | undefined)?.viewer?.roles;
    if (!roles) return execute(args);
    const key = `${roleKeyOf(roles)}\u0000${args.operationName ?? ""}\u0000${source}`;
    const entry = this.entryFor(key, roles, args.document, operation, args.operationName);
    if (entry === "interpret") return execute(args);
    const result = entry.query(args.rootValue, args.contextValue, args.variableValues ?? {});
    return isPromise(result) ? result.then(asGraphqlJsResult) : asGraphqlJsResult(result);
  }

  private entryFor(
    key: string,
    roles: ReadonlySet<Role>,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    operationName?: string | null,
  ): Entry {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      // Refresh its place: the Map's order is the eviction order.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const entry = this.compile(roles, document, operation, operationName);
    if (this.entries.size >= MAX_COMPILED) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
    return entry;
  }

  private compile(
    roles: ReadonlySet<Role>,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    operationName?: string | null,
  ): Entry {
    if (introspects(operation)) return "interpret";
    try {
      const compiled = this.decided.compileFor(roles, () => compileQuery(this.schema, document, operationName ?? undefined));
      return isCompiledQuery(compiled) ? compiled : "interpret";
    } catch {
      return "interpret";
    }
  }
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as { then?: unknown })?.then === "function";

/**
 * The compiler's errors as graphql-js makes them while executing: a GraphQLError with the
 * thrown error as `originalError` (graphql-js wraps even its own null and serialization checks
 * around a plain Error, which the formatter masks), its message, path and locations. The
 * compiler's own error objects keep the message read-only and, for its own checks, carry no
 * original, which the formatter would read as a request error.
 */
function asGraphqlJsResult(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  return { ...result, errors: result.errors.map(asGraphqlJsError) };
}

function asGraphqlJsError(error: GraphQLError): GraphQLError {
  const original = error.originalError ?? new Error(error.message);
  const located = new GraphQLError(error.message, { path: error.path, originalError: original });
  // The compiler knows the locations but not the nodes graphql-js would compute them from.
  Object.defineProperty(located, "locations", { value: error.locations, enumerable: error.locations !== undefined, writable: true });
  return located;
}

/** An operation whose root selects `__schema` or `__type`; graphql-js answers those. */
function introspects(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.some(
    (selection) => selection.kind !== "Field" || (selection.name.value.startsWith("__") && selection.name.value !== "__typename"),
  );
}
