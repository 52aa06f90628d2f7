import { type GraphQLFieldResolver, GraphQLScalarType, type GraphQLSchema, isObjectType } from "graphql";
import { AuthorizationError, getMetadataStorage, type MiddlewareFn, type ResolverData } from "type-graphql";
import type { Role } from "../auth/viewer";
import { type AuthOutcome, authorizationOutcome } from "./auth-checker";
import type { GraphContext } from "./context";
import { GraphError, GraphErrorCode } from "./graph.error";

type Resolver = GraphQLFieldResolver<unknown, unknown>;
type Storage = ReturnType<typeof getMetadataStorage>;
type Handler = Storage["queries"][number];
type FieldResolverMeta = Storage["fieldResolvers"][number];
type Param = NonNullable<Handler["params"]>[number];
/** A decorated class (resolver or object type), as type-graphql's metadata names it. */
type ClassRef = Handler["target"];

/** What type-graphql knows of one schema field that has a resolver of its own. */
interface FieldPlan {
  /** `@Authorized` roles; undefined when the field has none (nothing to decide). */
  roles: Role[] | undefined;
  /** type-graphql's own resolver: its auth check, middlewares, argument conversion and validation. */
  original: Resolver;
  /**
   * The same resolver without type-graphql's wrapping, for the values it can take as they are;
   * undefined when the field needs what only type-graphql does (argument classes, validation,
   * class middlewares, custom parameters), in which case the original serves.
   */
  lean: Resolver | undefined;
}

/** A role set's cache key: its roles, sorted. Sets are immutable once a viewer holds them. */
const ROLE_KEYS = new WeakMap<ReadonlySet<Role>, string>();

export function roleKeyOf(roles: ReadonlySet<Role>): string {
  let key = ROLE_KEYS.get(roles);
  if (key === undefined) {
    key = [...roles].sort().join(",");
    ROLE_KEYS.set(roles, key);
  }
  return key;
}

const rolesOf = (context: unknown): ReadonlySet<Role> | undefined => (context as Partial<GraphContext> | undefined)?.viewer?.roles;

/**
 * Resolvers decided per role set, for compiled operations. type-graphql runs `@Authorized`'s
 * check (and its middleware chain, argument assembly and root conversion) on every value a
 * field resolves: 150 and more calls for a page of 50 members with three lists. The check
 * depends on the viewer's roles alone, so for one role set it is decided once per field:
 * - a field the role set may read gets the plain resolver, with no check at all;
 * - a refused one gets a resolver that fails as type-graphql's check would, with the same
 *   error (UNAUTHENTICATED for an anonymous caller, type-graphql's AuthorizationError, which
 *   the formatter calls FORBIDDEN, for a missing role) at the same path;
 * - a field without `@Authorized` gets the plain resolver for every role set.
 * Each decided resolver first checks that the viewer still has the role set it was decided
 * for (a WebSocket `renewSession` replaces the viewer mid-operation) and otherwise hands over
 * to type-graphql's own resolver, as it does for every value it cannot take as it is.
 * Visibility (which members, rows and contact fields) is untouched: it lives in the resolvers,
 * the loaders and function middlewares such as ContactField, which still run on every value.
 */
export class DecidedResolvers {
  private readonly fields: Array<{ field: { resolve?: Resolver }; plan: FieldPlan }> = [];
  private readonly byRoles = new Map<string, Map<{ resolve?: Resolver }, Resolver>>();

  constructor(schema: GraphQLSchema, resolverClasses: readonly ClassRef[]) {
    const storage = getMetadataStorage().clone();
    // The same metadata buildSchema builds (on its own clone): roles, params, middlewares.
    storage.build({ resolvers: [...resolverClasses] } as never);
    const typeNameOf = new Map<ClassRef, string>(storage.objectTypes.map((type) => [type.target, type.name]));
    const handlers = new Map<string, Array<Handler | FieldResolverMeta>>();
    const add = (typeName: string | undefined, schemaName: string, handler: Handler | FieldResolverMeta) => {
      if (typeName === undefined || !resolverClasses.includes(handler.target)) return;
      const key = `${typeName}.${schemaName}`;
      handlers.set(key, [...(handlers.get(key) ?? []), handler]);
    };
    for (const query of storage.queries) add(schema.getQueryType()?.name, query.schemaName, query);
    for (const mutation of storage.mutations) add(schema.getMutationType()?.name, mutation.schemaName, mutation);
    for (const resolver of storage.fieldResolvers) {
      if (resolver.kind === "external") add(typeNameOf.get(resolver.getObjectType!() as ClassRef), resolver.schemaName, resolver);
    }
    for (const [key, found] of handlers) {
      const [typeName, fieldName] = key.split(".") as [string, string];
      const type = schema.getType(typeName);
      const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
      // Two classes resolving one field, or a field the served schema lacks: left to type-graphql.
      if (!field?.resolve || found.length !== 1) continue;
      const handler = found[0]!;
      const plan: FieldPlan = {
        roles: handler.roles as Role[] | undefined,
        original: field.resolve,
        lean: leanResolver(handler, field.resolve),
      };
      this.fields.push({ field, plan });
    }
  }

  /** Fields whose resolvers are decided here, e.g. for tests. */
  get size(): number {
    return this.fields.length;
  }

  /**
   * Runs `compile` with the schema's resolvers decided for `roles`. The compiler reads each
   * field's resolver once, while compiling, and calls what it read thereafter; compiling is
   * synchronous, so no execution ever sees the schema with the decided resolvers in place.
   */
  compileFor<T>(roles: ReadonlySet<Role>, compile: () => T): T {
    const decided = this.decidedFor(roles);
    for (const [field, resolver] of decided) field.resolve = resolver;
    try {
      return compile();
    } finally {
      for (const { field, plan } of this.fields) field.resolve = plan.original;
    }
  }

  private decidedFor(roles: ReadonlySet<Role>): Map<{ resolve?: Resolver }, Resolver> {
    const key = roleKeyOf(roles);
    let decided = this.byRoles.get(key);
    if (!decided) {
      decided = new Map();
      for (const { field, plan } of this.fields) {
        const resolver = decide(plan, roles, key);
        if (resolver !== plan.original) decided.set(field, resolver);
      }
      this.byRoles.set(key, decided);
    }
    return decided;
  }
}

function decide(plan: FieldPlan, roles: ReadonlySet<Role>, key: string): Resolver {
  const { original, lean } = plan;
  if (plan.roles === undefined) return lean ?? original;
  const outcome = authorizationOutcome(plan.roles, roles);
  if (outcome === "allow" && !lean) return original;
  const decided = outcome === "allow" ? lean! : refusal(outcome);
  return (root, args, context, info) => {
    const current = rolesOf(context);
    return current !== undefined && (current === roles || roleKeyOf(current) === key)
      ? decided(root, args, context, info)
      : original(root, args, context, info);
  };
}

/** Fails as type-graphql's auth middleware does: asynchronously, with the checker's error. */
function refusal(outcome: Exclude<AuthOutcome, "allow">): Resolver {
  return async () => {
    if (outcome === "unauthenticated") throw new GraphError(GraphErrorCode.UNAUTHENTICATED, "Sign in to do this");
    throw new AuthorizationError();
  };
}

/** Values type-graphql hands to a method as they are (its `convertToType` returns them unchanged). */
const SIMPLE_TYPES = new Set<unknown>([String, Boolean, Number, Date, Array, Promise]);

/**
 * The handler called as type-graphql would call it, for the parameters it passes through:
 * root, context, info and scalar arguments. Anything else makes the field type-graphql's.
 */
function leanResolver(handler: Handler | FieldResolverMeta, original: Resolver): Resolver | undefined {
  const params = [...(handler.params ?? [])].sort((a, b) => a.index - b.index);
  if (!params.every(passesThrough)) return undefined;
  const middlewares = handler.middlewares ?? [];
  // Class middlewares come from a container; only plain functions are called here.
  if (!middlewares.every((middleware) => typeof middleware === "function" && middleware.prototype === undefined)) return undefined;
  const Target = handler.target as new () => Record<string, (...args: unknown[]) => unknown>;
  // type-graphql's default container holds one instance per resolver class; these hold no state.
  const instance = new Target();
  const method = instance[handler.methodName];
  if (typeof method !== "function") return undefined;
  const rootTypes = params.map((param) => (param.kind === "root" && param.getType ? param.getType() : undefined));
  const chain = middlewares as Array<MiddlewareFn<object>>;

  return (root, args, context, info) => {
    const values: unknown[] = new Array(params.length);
    for (let index = 0; index < params.length; index += 1) {
      const param = params[index]!;
      switch (param.kind) {
        case "root": {
          const value = param.propertyName ? (root as Record<string, unknown>)[param.propertyName] : root;
          if (!asIs(value, rootTypes[index])) return original(root, args, context, info);
          values[index] = value;
          break;
        }
        case "context":
          values[index] = param.propertyName ? (context as Record<string, unknown>)[param.propertyName] : context;
          break;
        case "info":
          values[index] = info;
          break;
        case "arg": {
          const value = (args as Record<string, unknown>)[param.name];
          // Objects are converted to input classes and validated: type-graphql's work.
          if (value !== null && typeof value === "object") return original(root, args, context, info);
          values[index] = value;
          break;
        }
        default:
          return original(root, args, context, info);
      }
    }
    if (chain.length === 0) return method.apply(instance, values);
    return runChain(chain, { root, args, context, info } as ResolverData<object>, () => method.apply(instance, values));
  };
}

function passesThrough(param: Param): boolean {
  if (param.kind === "root" || param.kind === "context" || param.kind === "info") return true;
  if (param.kind !== "arg" || param.validateFn !== undefined) return false;
  const type = param.getType();
  return type instanceof GraphQLScalarType || SIMPLE_TYPES.has(type);
}

/** Whether type-graphql's `convertToType(type, value)` would return `value` itself. */
function asIs(value: unknown, type: unknown): boolean {
  if (value === null || value === undefined || type === undefined || type instanceof GraphQLScalarType) return true;
  if (SIMPLE_TYPES.has((value as object).constructor)) return true;
  return typeof type === "function" && value instanceof type;
}

/**
 * type-graphql's `applyMiddlewares` for function middlewares: each may answer or call next, and
 * a middleware answering undefined answers what next gave. Unlike type-graphql's, it stays
 * synchronous until a middleware or the method returns a promise: a field whose middleware only
 * decides (the contact fields) costs no promise of its own, and a loaded one only the loader's.
 * On a page of 50 members the async chain's promises and closures, pending while the loaders
 * waited on the database, were about a sixth of what the scavenger promoted per request
 * (BENCHMARKS.md, seventh pass). So `next` returns the method's own value, a promise or not:
 * the middlewares here return it or await it, never call `.then` on it.
 */
export function runChain(chain: Array<MiddlewareFn<object>>, data: ResolverData<object>, call: () => unknown): unknown {
  let last = -1;
  const dispatch = (index: number): unknown => {
    if (index <= last) throw new Error("next() called multiple times");
    last = index;
    if (index === chain.length) return call();
    let nextResult: unknown;
    const result = chain[index]!(data, () => {
      nextResult = dispatch(index + 1);
      return nextResult as Promise<unknown>;
    });
    // Answering what next gave (the usual case) needs no step of its own, promise or not.
    if (result === nextResult) return result;
    if (isPromiseLike(result)) return result.then((value) => (value !== undefined ? value : nextResult));
    return result !== undefined ? result : nextResult;
  };
  return dispatch(0);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}
