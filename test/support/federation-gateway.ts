import type { IncomingHttpHeaders } from "node:http";
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

interface GatewayContext {
  authorization?: string;
}

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

/**
 * Apollo Gateway composing `subgraphs` at start (IntrospectAndCompose), on a free loopback port.
 * Each subgraph request carries the caller's `authorization`, as a router is configured to.
 */
export async function startGateway(
  subgraphs: Array<{ name: string; url: string }>,
  introspectionHeaders: Record<string, string> = {},
): Promise<RunningGateway> {
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({ subgraphs, introspectionHeaders }),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<GatewayContext>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set("authorization", context.authorization);
        },
      }),
  });
  // @apollo/gateway 2.14 implements version 1 of the gateway interface Apollo Server 5 takes; they agree at runtime.
  const server = new ApolloServer<GatewayContext>({ gateway: gateway as never, stopOnTerminationSignals: false });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: "127.0.0.1" },
    context: async ({ req }: { req: { headers: IncomingHttpHeaders } }) => ({ authorization: req.headers.authorization }),
  });
  return { url, stop: () => server.stop() };
}
