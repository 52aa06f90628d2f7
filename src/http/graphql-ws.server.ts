import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { DocumentNode, ExecutionArgs, GraphQLError, GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { CompiledOperations } from "../graph/compiled-operations";
import { type ConnectionSession, createContext, type GraphContext, type GraphServices } from "../graph/context";
import type { ErrorFormatter } from "../graph/errors";
import { MAX_REQUEST_BYTES, type OperationPolicy } from "../graph/operation-limits";
import { realTimers, type Timers } from "../time/timers";
import type { Clock } from "../time/clock";
import type { RequestAuthenticator } from "../auth/request-authenticator";
import type { Viewer } from "../auth/viewer";
import type { Logger } from "../observability/logger";
import { readCookie, SESSION_COOKIE } from "./cookies";
import { sharedSubscribe, viewerKey } from "./subscription-fanout";

export interface WsServerOptions {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  authenticator: RequestAuthenticator;
  services: GraphServices;
  formatError: ErrorFormatter;
  /** Parses and validates every operation with the limits of the connection's viewer. */
  policy: OperationPolicy;
  /** Keep internal error messages out of close reasons (production). */
  hideInternals: boolean;
  logger: Logger;
  clock: Clock;
  timers?: Timers;
  /** Origins whose pages may open a connection authenticated by the session cookie. */
  trustedOrigins: ReadonlySet<string>;
  /** Compiled operations, shared with HTTP; unset runs graphql-js's interpreter. */
  compiled?: CompiledOperations;
}

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  session?: SocketSession;
}

/** Close code graphql-ws uses for a refused `connection_init`. */
export const CLOSE_FORBIDDEN = 4403;
/** Close code for a connection whose session ran out (the client signs on again and reconnects). */
export const CLOSE_SESSION_EXPIRED = 4401;

/** Longest delay a timer takes (about 24 days); later expiries are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One connection's credentials, closed when they expire and renewable in place. */
class SocketSession implements ConnectionSession {
  private timer: unknown;

  constructor(
    private current: Viewer,
    private readonly close: () => void,
    private readonly clock: Clock,
    private readonly timers: Timers,
  ) {
    this.arm();
  }

  get viewer(): Viewer {
    return this.current;
  }

  adopt(viewer: Viewer): void {
    if (viewer.memberKey !== this.current.memberKey) throw new Error("a connection cannot change member");
    this.current = viewer;
    this.arm();
  }

  dispose(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.dispose();
    const expiresAt = this.current.expiresAt;
    if (expiresAt === null) return;
    const delay = expiresAt.getTime() - this.clock.now().getTime();
    if (delay <= 0) return this.close();
    this.timer = this.timers.setTimeout(() => (delay > MAX_TIMER_MS ? this.arm() : this.close()), Math.min(delay, MAX_TIMER_MS));
  }
}

/**
 * graphql-ws on the same port and path as HTTP. Credentials are checked once at
 * `connection_init`; each operation gets its own context and loaders, the same operation
 * policy (size, tokens, validation rules of the viewer's tier) and the same error formatting
 * as HTTP.
 */
export function createGraphqlWsServer(options: WsServerOptions) {
  const { logger, policy, schema } = options;
  // A larger message closes the socket with 1009 before a byte of it is read as JSON.
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: MAX_REQUEST_BYTES });
  const format = (errors: readonly GraphQLError[]) => errors.map((error) => options.formatError(error.toJSON(), error));
  /** Accepted connections, for the metrics: each one's running operations are in `subscriptions`. */
  const accepted = new Set<{ subscriptions: Record<string, unknown> }>();
  /** Each parsed document's text, the compiled-operation cache's key. */
  const sources = new WeakMap<DocumentNode, string>();
  const { compiled } = options;
  /** Per subscription (its execution arguments live as long as it does): document, operation, variables. */
  const operationKeys = new WeakMap<object, string | null>();
  const operationKey = (args: ExecutionArgs): string | null => {
    let key = operationKeys.get(args);
    if (key === undefined) {
      const text = sources.get(args.document);
      key = text === undefined ? null : JSON.stringify([text, args.operationName ?? null, args.variableValues ?? null]);
      operationKeys.set(args, key);
    }
    return key;
  };
  // One event reaches a thousand subscribers to the same document as the same viewer: their
  // results are equal, so the selection runs once for them all. The viewer is read per event
  // (a renewed session may change its roles), and each subscriber's filter still runs alone.
  // Kept per subscription with the viewer it was made for: a thousand subscribers each asked
  // for it at every event, and a renewed session (a new viewer object) makes it again.
  const shareKeys = new WeakMap<object, { viewer: Viewer; key: string | null }>();
  const subscribe = sharedSubscribe((args) => {
    const viewer = (args.contextValue as GraphContext).viewer;
    const kept = shareKeys.get(args);
    if (kept !== undefined && kept.viewer === viewer) return kept.key;
    const operation = operationKey(args);
    const key = operation === null ? null : `${operation}${viewerKey(viewer)}`;
    shareKeys.set(args, { viewer, key });
    return key;
  });

  const server = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema,
      isProd: options.hideInternals,
      // Queries and mutations; subscriptions run graphql-js's interpreter, once per event and share key.
      ...(compiled ? { execute: (args) => compiled.execute(args, sources.get(args.document)) } : {}),
      subscribe,
      // Parsed and validated here rather than by graphql-ws, so that the limits are the
      // viewer's (a renewed session may change them) and a syntax error is an error message,
      // not a closed socket.
      onSubscribe: (ctx, _id, payload) => {
        const tier = policy.forViewer(ctx.extra.session!.viewer);
        const document = tier.parse(payload.query);
        if (Array.isArray(document)) return document;
        const errors = tier.validate(schema, document);
        if (errors.length > 0) return errors;
        sources.set(document, payload.query);
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      onConnect: async (ctx) => {
        try {
          const viewer = await options.authenticator.viewerFor(
            connectionAuthorization(ctx.connectionParams, ctx.extra.request, options.trustedOrigins),
          );
          const socket = ctx.extra.socket;
          ctx.extra.session = new SocketSession(
            viewer,
            () => socket.close(CLOSE_SESSION_EXPIRED, "Session expired"),
            options.clock,
            options.timers ?? realTimers,
          );
          accepted.add(ctx);
          return true;
        } catch (error) {
          logger.info({ reason: error instanceof Error ? error.message : "unknown" }, "websocket connection refused");
          return false;
        }
      },
      onClose: (ctx) => {
        accepted.delete(ctx);
        ctx.extra.session?.dispose();
      },
      context: (ctx) =>
        createContext(options.services, ctx.extra.session!.viewer, randomUUID(), {
          clientAddress: ctx.extra.request.socket.remoteAddress ?? "unknown",
          connection: ctx.extra.session,
        }),
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
    },
    wss,
  );
  // ws has already closed the socket with the protocol's code (1009 for a message over
  // maxPayload); graphql-ws would also print the client's mistake with a stack trace to stderr.
  // Registered after graphql-ws's own listener, this one replaces it with a log line.
  wss.on("connection", (socket) => {
    socket.removeAllListeners("error");
    socket.on("error", (error: Error & { code?: string }) => {
      logger.info({ code: error.code, reason: error.message }, "websocket closed on a protocol error");
    });
  });

  return {
    /** Closes every socket (1001, going away) and stops accepting new ones. */
    async dispose(): Promise<void> {
      await server.dispose();
    },
    clientCount: () => wss.clients.size,
    /** Open connections, and subscriptions streaming on them (a query in flight holds no iterator). */
    stats: () => {
      let subscriptions = 0;
      for (const ctx of accepted) {
        for (const running of Object.values(ctx.subscriptions)) {
          if (running !== null && typeof running === "object" && Symbol.asyncIterator in running) subscriptions += 1;
        }
      }
      return { connections: wss.clients.size, subscriptions };
    },
  };
}

/**
 * The connection's credential: `authorization` from the connection parameters, or else the
 * session cookie of the upgrade request. Browsers send cookies on a WebSocket from any site's
 * page, so a cookie counts only when the page's Origin is on the allow-list.
 */
function connectionAuthorization(
  params: Record<string, unknown> | undefined,
  request: IncomingMessage,
  trusted: ReadonlySet<string>,
): unknown {
  const explicit = authorizationParam(params);
  if (explicit !== undefined) return explicit;
  const cookie = readCookie(request.headers, SESSION_COOKIE);
  if (cookie === undefined) return undefined;
  const origin = request.headers.origin;
  if (origin === undefined || !trusted.has(origin)) throw new Error("a cookie-authenticated connection must come from an allowed Origin");
  return `Bearer ${cookie}`;
}

/** `authorization` from connection parameters, whatever its case (clients differ). */
function authorizationParam(params: Record<string, unknown> | undefined): unknown {
  if (!params) return undefined;
  const key = Object.keys(params).find((name) => name.toLowerCase() === "authorization");
  return key === undefined ? undefined : params[key];
}
