import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  parse,
  type ParseOptions,
  specifiedRules,
  validate,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import { hasRole, Role, type Viewer } from "../auth/viewer";
import type { GraphqlConfig, QueryLimits } from "../config/config";
import { ClientErrorCode } from "./errors";

/**
 * Largest HTTP body and largest WebSocket message, in bytes. Bigger ones are refused before
 * they are read as JSON, let alone as GraphQL (HTTP 413; WebSocket close 1009).
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** graphql-armor's default; no realistic operation of this graph uses more than a few. */
const MAX_DIRECTIVES = 50;

/** Which set of limits a caller gets. */
export enum LimitTier {
  /** Anonymous callers, members and staff. */
  STANDARD = "STANDARD",
  /** Admin API keys and admin sessions: exports and sync dashboards need more. */
  ADMIN = "ADMIN",
}

export function limitTierOf(viewer: Viewer): LimitTier {
  return hasRole(viewer, Role.ADMIN) ? LimitTier.ADMIN : LimitTier.STANDARD;
}

/**
 * One tier's share of the operation policy: the parse options and validation rules Apollo takes
 * over HTTP, and `parse` and `validate` for graphql-ws, built from the same values. Errors carry
 * Apollo's codes: GRAPHQL_PARSE_FAILED while parsing, GRAPHQL_VALIDATION_FAILED after.
 */
export class TierPolicy {
  /** For graphql's `parse`: stops lexing past the token limit, so a huge document is never parsed whole. */
  readonly parseOptions: ParseOptions;
  /** Added to graphql's specified rules: depth, aliases, directives, cost, and introspection when it is off. */
  readonly validationRules: readonly ValidationRule[];

  constructor(
    readonly tier: LimitTier,
    readonly limits: QueryLimits,
    introspection: boolean,
  ) {
    this.parseOptions = { maxTokens: limits.maxTokens };
    this.validationRules = limitRules(limits, introspection);
  }

  /** Parses within the token limit; a syntax error or too many tokens is GRAPHQL_PARSE_FAILED. */
  parse(source: string): DocumentNode | GraphQLError[] {
    try {
      return parse(source, this.parseOptions);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return [withCode(error, ClientErrorCode.GRAPHQL_PARSE_FAILED)];
    }
  }

  /** graphql's rules and the tier's; every error found is GRAPHQL_VALIDATION_FAILED. */
  validate(schema: GraphQLSchema, document: DocumentNode): GraphQLError[] {
    const errors = validate(schema, document, [...specifiedRules, ...this.validationRules]);
    return errors.map((error) => withCode(error, ClientErrorCode.GRAPHQL_VALIDATION_FAILED));
  }
}

/**
 * The one operation policy of the graph, shared by HTTP (one Apollo server per tier, given the
 * tier's `parseOptions` and `validationRules`) and WebSocket (the viewer's tier's `parse` and
 * `validate` in graphql-ws's `onSubscribe`).
 */
export class OperationPolicy {
  private readonly tiers: Record<LimitTier, TierPolicy>;

  constructor(config: Pick<GraphqlConfig, "limits" | "adminLimits" | "introspection">) {
    this.tiers = {
      [LimitTier.STANDARD]: new TierPolicy(LimitTier.STANDARD, config.limits, config.introspection),
      [LimitTier.ADMIN]: new TierPolicy(LimitTier.ADMIN, config.adminLimits, config.introspection),
    };
  }

  forTier(tier: LimitTier): TierPolicy {
    return this.tiers[tier];
  }

  forViewer(viewer: Viewer): TierPolicy {
    return this.forTier(limitTierOf(viewer));
  }
}

function limitRules(limits: QueryLimits, introspection: boolean): ValidationRule[] {
  // The rules report instead of throwing: a thrown error would abort validation as a 500.
  const reject = { propagateOnRejection: false, onReject: [reportLimit] };
  // Fragments are flattened so that limits measure the response, not how the query is written.
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...reject }),
    maxAliasesRule({ n: limits.maxAliases, ...reject }),
    maxDirectivesRule({ n: MAX_DIRECTIVES, ...reject }),
    costLimitRule({ maxCost: limits.maxCost, flattenFragments: true, ignoreIntrospection: true, ...reject }),
    ...(introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
}

/** armor words its limits as syntax errors; they are not, and must not read like one. */
function reportLimit(context: ValidationContext | null, error: GraphQLError): void {
  context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, "")));
}

/** The error with a code, as Apollo words it over HTTP, keeping what the formatter maps by. */
function withCode(error: GraphQLError, code: ClientErrorCode): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error.originalError ?? error,
    extensions: { ...error.extensions, code },
  });
}
