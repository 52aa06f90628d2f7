import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { type GraphQLFormattedError, type GraphQLSchema, specifiedRules, type ValidationRule, validate } from "graphql";
import { GraphQLError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { createContext, type GraphServices } from "../graph/context";
import type { RequestAuthenticator } from "../graph/request-authenticator";
import type { Viewer } from "../graph/viewer";
import type { Logger } from "../observability/logger";

type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

export interface WsServerOptions {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  authenticator: RequestAuthenticator;
  services: GraphServices;
  formatError: ErrorFormatter;
  validationRules: readonly ValidationRule[];
  logger: Logger;
}

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  viewer?: Viewer;
}

/** Close code graphql-ws uses for a refused `connection_init`. */
export const CLOSE_FORBIDDEN = 4403;

/**
 * graphql-ws on the same port and path as HTTP. Credentials are checked once at
 * `connection_init`; each operation gets its own context and loaders, the same query limits
 * and the same error formatting as HTTP.
 */
export function createGraphqlWsServer(options: WsServerOptions) {
  const { logger } = options;
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path });
  const format = (errors: readonly GraphQLError[]) =>
    errors.map((error) => options.formatError(error.toJSON(), error));

  const server = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema: options.schema,
      validate: (schema, document) => validate(schema, document, [...specifiedRules, ...options.validationRules]),
      onConnect: async (ctx) => {
        try {
          ctx.extra.viewer = await options.authenticator.viewerFor(ctx.connectionParams?.authorization);
          return true;
        } catch (error) {
          logger.info({ reason: error instanceof Error ? error.message : "unknown" }, "websocket connection refused");
          return false;
        }
      },
      context: (ctx) => createContext(options.services, ctx.extra.viewer!, randomUUID()),
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: format(result.errors) } : undefined,
    },
    wss,
  );

  return {
    /** Closes every socket (1001, going away) and stops accepting new ones. */
    async dispose(): Promise<void> {
      await server.dispose();
    },
    clientCount: () => wss.clients.size,
  };
}
