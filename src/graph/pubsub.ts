import type { Logger } from "../observability/logger";
import type { RedisClients, RedisHealth } from "../redis/redis-clients";
import { type PubSubCounters, RedisEventTarget } from "../redis/redis-event-target";
import type { EventChannel } from "../sync/sync-events";
import { type EventTransport, TopicFanout } from "./topic-fanout";

export type GraphPubSub = TopicFanout;

/** How pub/sub is doing: in-process (no Redis), or over Redis and up or degraded. */
export type PubSubHealth = RedisHealth | "in-process";

export interface PubSubBundle {
  /** What type-graphql subscriptions read. */
  pubSub: GraphPubSub;
  /** What sync publishes into: the same pub/sub. */
  channel: EventChannel;
  health(): PubSubHealth;
  close(): Promise<void>;
}

export interface RedisPubSubOptions {
  redis: RedisClients;
  /** The deployment namespace: channels are prefixed with it and messages carry it. */
  namespace: string;
  counters?: PubSubCounters;
}

/**
 * In-process pub/sub, or Redis when given so that a subscriber on one gateway process sees what
 * sync did in another (of the same deployment namespace only). Payloads are plain JSON either
 * way. The Redis connections belong to the caller, who closes them.
 */
export function createPubSubBundle(redis: RedisPubSubOptions | null, logger: Logger): PubSubBundle {
  if (redis === null) {
    // One listener per topic: the fan-out to subscribers is the TopicFanout's.
    const pubSub = new TopicFanout(new EventTarget());
    return { pubSub, channel: channelOf(pubSub), health: () => "in-process", close: async () => undefined };
  }
  const eventTarget = new RedisEventTarget(redis.redis, redis.namespace, logger, redis.counters);
  const pubSub = new TopicFanout(eventTarget as unknown as EventTransport);
  return { pubSub, channel: channelOf(pubSub), health: () => redis.redis.health(), close: async () => undefined };
}

function channelOf(pubSub: GraphPubSub): EventChannel {
  return {
    publish: (topic, payload) => pubSub.publish(topic, ownObject(payload)),
    subscribe: (topic) => pubSub.subscribe(topic),
  };
}

/**
 * Each publication as an object of its own. Subscribers sharing an event's execution keep its
 * result by payload object (`sharedSubscribe`); a publisher that published the same object twice
 * would otherwise be answered the first time's result, read from the cache as it was then.
 */
function ownObject(payload: unknown): unknown {
  if (payload === null || typeof payload !== "object") return payload;
  return Array.isArray(payload) ? [...payload] : { ...payload };
}
