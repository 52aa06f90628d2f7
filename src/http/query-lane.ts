import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { type DocumentNode, type ExecutionResult, getOperationAST, type GraphQLSchema, OperationTypeNode } from "graphql";
import Negotiator from "negotiator";
import proxyaddr from "proxy-addr";
import type { RequestAuthenticator } from "../auth/request-authenticator";
import type { Viewer } from "../auth/viewer";
import type { CompiledOperations } from "../graph/compiled-operations";
import { roleKeyOf } from "../graph/decided-resolvers";
import { createContext, type GraphServices } from "../graph/context";
import { GATEWAY_KEY_HEADER } from "../graph/federation/subgraph-schema";
import { ClientErrorCode } from "../graph/errors";
import { LimitTier, MAX_REQUEST_BYTES, type OperationPolicy } from "../graph/operation-limits";
import { LaneDocuments } from "./lane-documents";
import type { GatewayMetrics } from "../observability/metrics";
import type { OperationRecorder } from "./operation-recorder";
import { identify, isRefusal, type RequestLocals, requestIdOf } from "./request-identity";

/** Apollo Server's single-result media types, in its order of preference (see `chooseContentType`). */
const JSON_TYPE = "application/json; charset=utf-8";
const CALLBACK_TYPE = "application/json; callbackSpec=1.0; charset=utf-8";
const SINGLE_RESULT_TYPES = [JSON_TYPE, "application/graphql-response+json; charset=utf-8", CALLBACK_TYPE];
/** Distinct Accept headers whose answer is remembered; clients send a handful. */
const MAX_ACCEPTS = 64;
/**
 * A query that had an error on the lane runs again on Apollo; so that a client repeating one
 * does not cost two runs each time, it is then handed straight over, but for one run in this
 * many on the lane, which brings it back once it answers without an error.
 */
const RETRY_ERRING_EVERY = 32;
const MAX_ERRING = 500;

const JSON_CONTENT = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

export interface QueryLaneOptions {
  path: string;
  schema: GraphQLSchema;
  compiled: CompiledOperations;
  policy: OperationPolicy;
  authenticator: RequestAuthenticator;
  services: GraphServices;
  recorder: OperationRecorder;
  /** Counts what the lane answered and what it handed over. */
  metrics?: GatewayMetrics;
  /** Proxy hops trusted for the client address, as express's `trust proxy` (see config). */
  trustProxy: number;
  /** The CORS step express runs on the graph's path; the lane runs it on what it answers. */
  cors: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
}

interface LaneRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
}

type Handed = IncomingMessage & { body?: unknown };
type Answering = ServerResponse & { locals?: Partial<RequestLocals> };

/**
 * The graph's hot path over HTTP: a JSON POST of a query that runs without an error is answered
 * here, without express's router and Apollo Server's request pipeline (about 0.7 ms of CPU per
 * request, measured in bench/), by the same steps in the same order: CORS, the caller's
 * identity, the body read as JSON, the tier's parse and validation rules, the compiled
 * operation with a fresh context and its loaders, and the same record of the operation.
 *
 * Everything else is handed to express and Apollo, which answer it as they always have: any
 * other method, path, content type, encoding or Accept header; a refused credential; a body that
 * is not a single GraphQL request or carries extensions (persisted queries); a document Apollo
 * would refuse; a mutation or subscription; and a query whose execution has any error, which
 * Apollo runs again so that its errors and status are exactly Apollo's. A query is a read, so
 * running it twice changes nothing but its cost, and only on an error.
 */
export class QueryLane {
  private open = true;
  private readonly documents: Record<LimitTier, LaneDocuments>;
  private readonly contentTypes = new Map<string, string | null>();
  /** Role set, operation name and text of queries whose last run here had an error: handed over since. */
  private readonly erring = new Map<string, number>();
  private readonly trusted: (address: string, hop: number) => boolean;

  constructor(private readonly options: QueryLaneOptions) {
    const { schema, policy } = options;
    this.documents = {
      [LimitTier.STANDARD]: new LaneDocuments(schema, policy.forTier(LimitTier.STANDARD)),
      [LimitTier.ADMIN]: new LaneDocuments(schema, policy.forTier(LimitTier.ADMIN)),
    };
    this.trusted = (_address, hop) => hop < options.trustProxy;
  }

  /** From now on every request goes to express and Apollo (shutdown: they answer while draining). */
  close(): void {
    this.open = false;
  }

  /** Answers the request, or hands it to `next` untouched (or with its body read, as express.json would). */
  handle(req: IncomingMessage, res: ServerResponse, next: RequestListener): void {
    if (req.method !== "POST" || !isPathOf(req.url, this.options.path)) {
      next(req, res);
      return;
    }
    const handOver: RequestListener = (request, response) => {
      this.options.metrics?.graphqlLane.inc({ outcome: "handed_over" });
      next(request, response);
    };
    if (!this.open || !this.admits(req)) {
      handOver(req, res);
      return;
    }
    this.serve(req, res as Answering, handOver).catch(() => {
      // Only reading the body can fail here (the client went away): nobody is left to answer.
      if (!res.headersSent) res.destroy();
    });
  }

  /** Only a POST the lane can answer exactly as express and Apollo would reaches it. */
  private admits(req: IncomingMessage): boolean {
    const { headers } = req;
    if (headers["transfer-encoding"] !== undefined || (headers["content-encoding"] ?? "identity").toLowerCase() !== "identity")
      return false;
    if (req.url !== this.options.path) return false;
    const length = headers["content-length"];
    if (length === undefined || !/^\d{1,7}$/.test(length) || Number(length) === 0 || Number(length) > MAX_REQUEST_BYTES) return false;
    return JSON_CONTENT.test(headers["content-type"] ?? "");
  }

  private async serve(req: Handed, res: Answering, next: RequestListener): Promise<void> {
    const startedAt = performance.now();
    const requestId = requestIdOf(req.headers);
    const viewer = await identify(this.options.authenticator, req.headers);
    // Refused before the body is read: express reads it and answers as it always has.
    if (isRefusal(viewer)) return next(req, res);
    const body = await readBody(req);
    const parsed = parseJsonBody(body);
    if (parsed === undefined) return this.answerBadJson(req, res);
    const handOver = () => {
      req.body = parsed;
      res.locals = { ...res.locals, viewer, requestId };
      next(req, res);
    };
    const request = laneRequest(parsed);
    const tier = this.options.policy.forViewer(viewer).tier;
    const document = request && this.documents[tier].documentFor(request.query);
    const operation = document && getOperationAST(document, request.operationName);
    const contentType = this.contentTypeFor(req.headers.accept);
    if (!request || !document || operation?.operation !== OperationTypeNode.QUERY || !contentType) return handOver();
    const key = `${roleKeyOf(viewer.roles)}\u0000${request.operationName ?? ""}\u0000${request.query}`;
    if (this.skipsErring(key)) return handOver();
    // A throw is handed over too: Apollo runs it again and answers its masked 500.
    const result = await this.execute(req, request, document, viewer, requestId).catch(() => undefined);
    if (!result || result.errors?.length || !result.data) {
      this.markErring(key);
      return handOver();
    }
    this.erring.delete(key);
    await this.cors(req, res);
    const text = `${JSON.stringify(result.extensions ? { data: result.data, extensions: result.extensions } : { data: result.data })}\n`;
    res.statusCode = 200;
    res.setHeader("x-request-id", requestId);
    res.setHeader("content-type", contentType);
    res.setHeader("content-length", Buffer.byteLength(text));
    res.end(text);
    this.options.metrics?.graphqlLane.inc({ outcome: "answered" });
    this.options.recorder.record({
      requestId,
      operationName: operation.name?.value ?? null,
      type: OperationTypeNode.QUERY,
      viewerKind: viewer.kind,
      errors: undefined,
      startedAt,
    });
  }

  private async execute(
    req: IncomingMessage,
    request: LaneRequest,
    document: DocumentNode,
    viewer: Viewer,
    requestId: string,
  ): Promise<ExecutionResult> {
    const { schema, services, compiled } = this.options;
    const gatewayKey = req.headers[GATEWAY_KEY_HEADER];
    const contextValue = createContext(services, viewer, requestId, {
      clientAddress: proxyaddr(req, this.trusted) ?? "unknown",
      ...(typeof gatewayKey === "string" ? { gatewayKey } : {}),
    });
    return compiled.execute(
      { schema, document, operationName: request.operationName, variableValues: request.variables, contextValue },
      request.query,
    );
  }

  /** True when `key` had an error on its last run here and this is not its turn to run here again. */
  private skipsErring(key: string): boolean {
    const handed = this.erring.get(key);
    if (handed === undefined) return false;
    this.erring.set(key, handed + 1);
    return (handed + 1) % RETRY_ERRING_EVERY !== 0;
  }

  private markErring(key: string): void {
    if (!this.erring.has(key)) this.erring.set(key, 0);
    if (this.erring.size > MAX_ERRING) this.erring.delete(this.erring.keys().next().value!);
  }

  /** As Apollo chooses the media type of a single result; null where Apollo answers (none accepted: its 406). */
  private contentTypeFor(accept: string | undefined): string | null {
    if (!accept) return JSON_TYPE;
    let chosen = this.contentTypes.get(accept);
    if (chosen === undefined) {
      chosen = new Negotiator({ headers: { accept } }).mediaType(SINGLE_RESULT_TYPES) ?? null;
      // express rewrites that one's parameters as it sends it; Apollo answers it, rewritten.
      if (chosen === CALLBACK_TYPE) chosen = null;
      if (this.contentTypes.size < MAX_ACCEPTS) this.contentTypes.set(accept, chosen);
    }
    return chosen;
  }

  /** express.json's refusal of a body that is not a JSON object or array, in jsonErrors' words. */
  private async answerBadJson(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.cors(req, res);
    const text = JSON.stringify({
      errors: [{ message: "The request body is not valid JSON", extensions: { code: ClientErrorCode.BAD_REQUEST } }],
    });
    res.statusCode = 400;
    res.setHeader("content-type", JSON_TYPE);
    res.setHeader("content-length", Buffer.byteLength(text));
    res.end(text);
    this.options.metrics?.graphqlLane.inc({ outcome: "answered" });
  }

  private cors(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return new Promise((resolve, reject) => this.options.cors(req, res, (error) => (error ? reject(error) : resolve())));
  }
}

/** `url` is on `path` as express mounts it (any case, a trailing slash, a query string). */
function isPathOf(url: string | undefined, path: string): boolean {
  const end = url?.indexOf("?") ?? -1;
  const pathname = (end < 0 ? url : url?.slice(0, end))?.toLowerCase();
  return pathname === path || pathname === `${path}/`;
}

/** The whole body (its length is known and bounded: see `admits`). */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/**
 * The body as express.json reads it (strict: an object or an array; a UTF-8 byte order mark
 * skipped), or undefined where it would refuse it.
 */
function parseJsonBody(body: Buffer): object | undefined {
  let text = body.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** One plain GraphQL request with a query, as Apollo reads a POST body; anything else is Apollo's to answer. */
function laneRequest(body: object): LaneRequest | undefined {
  if (Array.isArray(body)) return undefined;
  const { query, operationName, variables, extensions } = body as Record<string, unknown>;
  if (typeof query !== "string" || query === "") return undefined;
  if (extensions !== undefined && extensions !== null) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return undefined;
  if (variables !== undefined && variables !== null && !isRecord(variables)) return undefined;
  return {
    query,
    operationName: typeof operationName === "string" ? operationName : undefined,
    variables: variables === null ? undefined : (variables as Record<string, unknown> | undefined),
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
