import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type DocumentNode, execute, type GraphQLError, parse, validate } from "graphql";
import { createPool, type Pool } from "mysql2/promise";
import { serveChild } from "../support/child-rpc";
import { usageHandlers } from "../support/process-usage";
import { BaselineStore, baselineSchema } from "./baseline.schema";

let server: Server | undefined;
let pool: Pool | undefined;
let store: BaselineStore | undefined;

/**
 * The read baseline: plain graphql-js over node:http and mysql2, no framework. Documents are
 * parsed and validated once and cached (as Apollo Server does), so the baseline is not slowed by
 * work a production server would skip; the admin key is checked on every request as amsgate does.
 */
async function start(request: { databaseUrl: string; adminKey: string }): Promise<{ url: string }> {
  // As many connections as amsgate's TypeORM pool.
  pool = createPool({ uri: request.databaseUrl, connectionLimit: 10, timezone: "Z", dateStrings: true, charset: "utf8mb4_unicode_ci" });
  store = new BaselineStore(pool);
  const { schema, rootValue } = baselineSchema();
  const root = rootValue(store);
  const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  const documentFor = (query: string) => {
    let document = documents.get(query);
    if (!document) {
      const parsed = parse(query);
      const errors = validate(schema, parsed);
      document = errors.length > 0 ? errors : parsed;
      documents.set(query, document);
    }
    return document;
  };
  const expected = `Bearer ${request.adminKey}`;
  server = createServer((req, res) => {
    void handle(req, res, async (body) => {
      if (req.headers.authorization !== expected) return { status: 401, result: { errors: [{ message: "Not signed in" }] } };
      const { query, variables } = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
      const document = documentFor(query);
      if (Array.isArray(document)) return { status: 400, result: { errors: document.map((error) => error.toJSON()) } };
      const result = await execute({ schema, document: document as DocumentNode, rootValue: root, variableValues: variables });
      return { status: 200, result };
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  answer: (body: string) => Promise<{ status: number; result: unknown }>,
): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { status, result } = await answer(Buffer.concat(chunks).toString("utf8"));
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(result));
  } catch (error) {
    res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : String(error) }] }));
  }
}

serveChild({ start, statements: () => store?.statements ?? 0, ...usageHandlers() }, async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server?.closeAllConnections();
  await pool?.end();
});
