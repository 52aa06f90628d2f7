import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: { code?: string } }>;
}

/** A GraphQL POST over real HTTP. */
export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, "status">;
  return { status: response.status, ...body };
}

/** Fails with the errors when there are any; otherwise the data. */
export async function gqlData<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<T> {
  const response = await gql<T>(url, query, variables, token);
  if (response.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data as T;
}

/** A real graphql-ws client; `closes` records how the server closed the socket. */
export function wsClient(httpUrl: string, token?: string) {
  const closes: Array<{ code: number; reason: string }> = [];
  const waiting: Array<(close: { code: number; reason: string }) => void> = [];
  const client: Client = createClient({
    url: httpUrl.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
    on: {
      closed: (event) => {
        const close = event as { code: number; reason: string };
        const entry = { code: close.code, reason: String(close.reason) };
        closes.push(entry);
        waiting.splice(0).forEach((resolve) => resolve(entry));
      },
    },
  });
  /** The next close of the socket (or the last one, if it already closed). */
  const closed = (): Promise<{ code: number; reason: string }> =>
    closes.length > 0 ? Promise.resolve(closes.at(-1)!) : new Promise((resolve) => waiting.push(resolve));
  return { client, closes, closed };
}

/** Runs one query or mutation over WebSocket and returns its single result. */
export function wsExecute<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T | null; errors?: GraphQLResponse["errors"] }> {
  return new Promise((resolve, reject) => {
    let result: { data?: T | null; errors?: GraphQLResponse["errors"] } | undefined;
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          result = value as typeof result;
        },
        error: (error) => reject(error),
        complete: () => resolve(result ?? {}),
      },
    );
  });
}

/**
 * Runs one operation over WebSocket and returns what the server answered: a result, or the
 * errors of an `error` message (a refused operation). Rejects only when the socket closes.
 */
export function wsAnswer<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T | null; errors?: GraphQLResponse["errors"] }> {
  return new Promise((resolve, reject) => {
    let result: { data?: T | null; errors?: GraphQLResponse["errors"] } | undefined;
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          result = value as typeof result;
        },
        error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
        complete: () => resolve(result ?? {}),
      },
    );
  });
}

export type Transport = "http" | "ws";

/**
 * One operation over either transport (a WebSocket of its own, closed after), answered as
 * `{ status, data, errors }`; `status` is the HTTP status, undefined over WebSocket.
 */
export async function askOver<T = Record<string, any>>(
  transport: Transport,
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<{ status?: number; data?: T | null; errors?: GraphQLResponse["errors"] }> {
  if (transport === "http") return gql<T>(url, query, variables, token);
  const { client } = wsClient(url, token);
  try {
    return await wsAnswer<T>(client, query, variables);
  } finally {
    await client.dispose();
  }
}

/** Every result of one subscription as it arrives, and a way to wait for a wanted one. */
export function wsCollect<T = Record<string, any>>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const seen: T[] = [];
  const waiters: Array<{ wanted: (item: T) => boolean; resolve: (item: T) => void }> = [];
  const errors: unknown[] = [];
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors?.length) errors.push(result.errors);
        if (!result.data) return;
        const item = result.data as T;
        seen.push(item);
        for (const waiter of waiters.filter((entry) => entry.wanted(item))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(item);
        }
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  /** The first result (seen already, or to come) that `wanted` accepts. */
  const waitFor = (wanted: (item: T) => boolean): Promise<T> => {
    const already = seen.find(wanted);
    return already !== undefined ? Promise.resolve(already) : new Promise((resolve) => waiters.push({ wanted, resolve }));
  };
  return { seen, errors, waitFor, dispose };
}

/**
 * Repeats `trigger` until `arrived` settles: a fresh subscription may not be listening yet (its
 * SUBSCRIBE can still be on its way to Redis), so the first events can pass it by.
 */
export async function untilArrived<T>(arrived: Promise<T>, trigger: (attempt: number) => Promise<unknown>, timeoutMs = 10_000): Promise<T> {
  let done = false;
  const result = arrived.then((value) => {
    done = true;
    return value;
  });
  const startedAt = Date.now();
  for (let attempt = 0; !done; attempt += 1) {
    if (Date.now() - startedAt > timeoutMs) throw new Error(`nothing arrived in ${timeoutMs} ms`);
    await trigger(attempt);
    await Promise.race([result, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
  return result;
}
