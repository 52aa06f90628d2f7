import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { serveChild } from "../support/child-rpc";

const SUBSCRIPTION = "subscription { syncProgress { id detail } }";
/** Connections opened at once while connecting; the rest wait, so the server is not stormed. */
const CONNECT_BATCH = 50;
const CONNECT_TIMEOUT_MS = 30_000;

const epochNow = () => performance.timeOrigin + performance.now();

const clients: Client[] = [];
/** Per client, whether any event reached it (the subscription is live). */
const live: boolean[] = [];
/** Receipt latencies (ms) by sequence number, across all clients. */
let latencies = new Map<number, number[]>();
let errors = 0;

/**
 * Opens `count` real graphql-ws clients (over `ws`, admin key in connectionParams), each
 * subscribed to syncProgress. Every event's `detail` carries its publish instant, so the
 * receipt latency is measured here against the same machine clock.
 */
async function connect(request: { url: string; adminKey: string; count: number }): Promise<{ connected: number; ms: number }> {
  const started = performance.now();
  for (let start = 0; start < request.count; start += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, request.count - start) }, (_, offset) =>
      open(request.url.replace(/^http/, "ws"), request.adminKey, start + offset),
    );
    await Promise.all(batch);
  }
  return { connected: clients.length, ms: performance.now() - started };
}

function open(url: string, adminKey: string, index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client ${index} did not connect in time`)), CONNECT_TIMEOUT_MS);
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${adminKey}` },
      retryAttempts: 0,
      lazy: false,
      on: {
        connected: () => {
          clearTimeout(timer);
          resolve();
        },
      },
    });
    clients.push(client);
    live.push(false);
    client.subscribe<{ syncProgress: { detail: string | null } }>(
      { query: SUBSCRIPTION },
      {
        next: (result) => receive(index, result.data?.syncProgress.detail ?? null),
        error: () => {
          errors += 1;
        },
        complete: () => undefined,
      },
    );
  });
}

function receive(index: number, detail: string | null): void {
  const receivedAt = epochNow();
  if (detail === null) return;
  const { seq, at } = JSON.parse(detail) as { seq: number; at: number };
  live[index] = true;
  const list = latencies.get(seq);
  if (list) list.push(receivedAt - at);
  else latencies.set(seq, [receivedAt - at]);
}

/** Latencies of events from `fromSeq` on, and how many receipts were expected; clears what it returns. */
function take(request: { fromSeq: number; events: number }): { latencies: number[]; expected: number; lastReceiptMs: number[] } {
  const collected: number[] = [];
  const lastReceiptMs: number[] = [];
  for (let seq = request.fromSeq; seq < request.fromSeq + request.events; seq += 1) {
    const list = latencies.get(seq) ?? [];
    collected.push(...list);
    if (list.length > 0) lastReceiptMs.push(Math.max(...list));
  }
  latencies = new Map();
  return { latencies: collected, expected: request.events * clients.length, lastReceiptMs };
}

serveChild(
  {
    connect,
    status: () => ({ clients: clients.length, live: live.filter(Boolean).length, errors }),
    take,
  },
  async () => {
    await Promise.allSettled(clients.map((client) => client.dispose()));
  },
);
