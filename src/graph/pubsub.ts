import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub } from "@graphql-yoga/subscription";
import { setMaxListeners } from "node:events";
import Redis from "ioredis";
import type { Logger } from "../observability/logger";
import type { EventChannel } from "../sync/sync-events";

export type GraphPubSub = ReturnType<typeof createPubSub>;

export interface PubSubBundle {
  /** What type-graphql subscriptions read. */
  pubSub: GraphPubSub;
  /** What sync publishes into: the same pub/sub. */
  channel: EventChannel;
  close(): Promise<void>;
}

/**
 * In-process pub/sub, or Redis when `redisUrl` is set so that a subscriber on one gateway
 * process sees what sync did in another. Payloads are plain JSON either way.
 */
export function createPubSubBundle(redisUrl: string | null, logger: Logger): PubSubBundle {
  if (redisUrl === null) {
    // Every subscription adds a listener; a thousand subscribers is normal, not a leak.
    const eventTarget = new EventTarget();
    setMaxListeners(0, eventTarget);
    const pubSub = createPubSub({ eventTarget });
    return { pubSub, channel: channelOf(pubSub), close: async () => undefined };
  }
  const publishClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  for (const client of [publishClient, subscribeClient]) {
    // Logged, not thrown: a Redis hiccup must not take the process down; ioredis reconnects.
    client.on("error", (error: Error) => logger.warn({ message: error.message }, "redis connection error"));
  }
  const pubSub = createPubSub({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) });
  return {
    pubSub,
    channel: channelOf(pubSub),
    close: async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}

function channelOf(pubSub: GraphPubSub): EventChannel {
  const untyped = pubSub as unknown as {
    publish(topic: string, payload: unknown): void;
    subscribe(topic: string): AsyncIterable<unknown>;
  };
  return {
    publish: (topic, payload) => untyped.publish(topic, payload),
    subscribe: (topic) => untyped.subscribe(topic),
  };
}
