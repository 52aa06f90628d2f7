import Redis from "ioredis";
import type { Logger } from "../observability/logger";

/** Whether Redis is serving this process right now. */
export type RedisHealth = "ok" | "degraded";

/**
 * The two connections a gateway keeps to Redis: one for commands (PUBLISH, rate-limit counters)
 * and one in subscriber mode (a subscribed connection can run nothing else).
 *
 * Neither may ever take the process down, and a Redis outage must cost no more than what crosses
 * Redis while it lasts:
 * - commands: no offline queue and no retries (`enableOfflineQueue: false`,
 *   `maxRetriesPerRequest: 0`). While Redis is away a command fails at once instead of piling up
 *   in memory and failing seconds later with `MaxRetriesPerRequestError`; callers check
 *   {@link RedisClients.commandsReady} and fall back (local delivery, the in-memory rate limiter).
 *   A publish that was in flight when the connection dropped is reported, not resent, so no
 *   subscriber sees it twice.
 * - subscriber: the offline queue stays and requests are never failed for retries
 *   (`maxRetriesPerRequest: null`): a SUBSCRIBE asked for during an outage is sent when Redis is
 *   back, and ioredis re-subscribes every channel on reconnect (`autoResubscribe`), so
 *   subscriptions opened before the outage resume by themselves. Only a handful of SUBSCRIBE and
 *   UNSUBSCRIBE commands can queue (one per topic), never the messages.
 * Both reconnect for ever with ioredis' default back-off (50 ms more per attempt, at most 2 s).
 */
export class RedisClients {
  readonly commands: Redis;
  readonly subscriber: Redis;
  private lastHealth: RedisHealth = "ok";
  private closed = false;

  constructor(
    url: string,
    private readonly logger: Logger,
  ) {
    this.commands = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    this.subscriber = new Redis(url, { maxRetriesPerRequest: null });
    for (const [role, client] of [
      ["commands", this.commands],
      ["subscriber", this.subscriber],
    ] as const) {
      // An "error" listener is what keeps ioredis' connection errors from being thrown.
      client.on("error", (error: Error) => this.onError(role, error));
      client.on("ready", () => this.onReady());
    }
  }

  /** True when a command sent now goes straight to Redis. */
  commandsReady(): boolean {
    return this.commands.status === "ready";
  }

  /** `ok` when both connections are up; `degraded` while either is connecting or lost. */
  health(): RedisHealth {
    return this.commands.status === "ready" && this.subscriber.status === "ready" ? "ok" : "degraded";
  }

  /** Disconnects both; a connection that is down is dropped at once instead of waiting to say QUIT. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.commands, this.subscriber].map((client) => closeClient(client)));
  }

  private onError(role: string, error: Error): void {
    if (this.closed) return;
    // One line at warn per outage; the retries that follow at debug.
    if (this.lastHealth === "ok") {
      this.lastHealth = "degraded";
      this.logger.warn({ role, message: error.message }, "redis unavailable: cross-process events and shared rate limits degraded");
    } else {
      this.logger.debug({ role, message: error.message }, "redis connection error");
    }
  }

  private onReady(): void {
    if (this.lastHealth === "degraded" && this.health() === "ok") {
      this.lastHealth = "ok";
      this.logger.info("redis available again");
    }
  }
}

async function closeClient(client: Redis): Promise<void> {
  if (client.status === "ready") {
    await client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
}
