import type { Logger } from "../observability/logger";
import type { RedisClients } from "./redis-clients";

/** What crosses Redis: the payload with the namespace of the deployment that sent it. */
interface Envelope {
  ns: string;
  payload: unknown;
}

type Listener = (event: { detail: unknown }) => void;
type ListenerOrObject = Listener | { handleEvent: Listener };

/** Counts of what went wrong, for metrics. */
export interface PubSubCounters {
  /** A PUBLISH Redis did not take (lost connection, or Redis away when it was sent). */
  publishFailed(): void;
  /** Published while Redis was away: delivered to this process's subscribers only. */
  deliveredLocally(): void;
  /** A message on our channels that was not ours (another namespace, or not an envelope). */
  foreignDropped(): void;
}

const NO_COUNTERS: PubSubCounters = { publishFailed: () => undefined, deliveredLocally: () => undefined, foreignDropped: () => undefined };

/** The channel a topic travels on: `amsgate:<namespace>:<topic>`. */
export function channelName(namespace: string, topic: string): string {
  return `amsgate:${namespace}:${topic}`;
}

/**
 * The event target graphql-yoga's pub/sub runs on, over Redis, for one deployment namespace.
 *
 * Written here rather than taken from `@graphql-yoga/redis-event-target` because that one lets a
 * failed PUBLISH or SUBSCRIBE become an unhandled rejection (which ends a Node process) and has no
 * notion of a namespace. Here:
 * - channels are prefixed with the namespace and every message carries it; a message whose
 *   envelope names another namespace is dropped on receipt;
 * - a publish never throws or rejects: while Redis is away the event is delivered to this
 *   process's own subscribers (so a `refreshMember(wait: true)` served here still sees its run
 *   end), and a publish Redis did not take is counted and logged.
 */
export class RedisEventTarget {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly prefix: string;
  private warnedSinceReady = false;

  constructor(
    private readonly redis: RedisClients,
    private readonly namespace: string,
    private readonly logger: Logger,
    private readonly counters: PubSubCounters = NO_COUNTERS,
  ) {
    this.prefix = channelName(namespace, "");
    redis.subscriber.on("message", (channel: string, message: string) => this.receive(channel, message));
    redis.commands.on("ready", () => {
      this.warnedSinceReady = false;
    });
  }

  addEventListener(topic: string, listener: ListenerOrObject | null): void {
    if (listener === null) return;
    let set = this.listeners.get(topic);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(topic, set);
      this.redis.subscriber.subscribe(channelName(this.namespace, topic)).catch((error: Error) => {
        this.logger.warn({ topic, message: error.message }, "redis subscribe failed");
      });
    }
    set.add(toCallback(listener));
  }

  removeEventListener(topic: string, listener: ListenerOrObject | null): void {
    const set = this.listeners.get(topic);
    if (listener === null || set === undefined) return;
    set.delete(toCallback(listener));
    if (set.size > 0) return;
    this.listeners.delete(topic);
    this.redis.subscriber.unsubscribe(channelName(this.namespace, topic)).catch((error: Error) => {
      this.logger.debug({ topic, message: error.message }, "redis unsubscribe failed");
    });
  }

  dispatchEvent(event: { type: string; detail?: unknown }): boolean {
    const payload = event.detail ?? null;
    if (!this.redis.commandsReady()) {
      this.counters.deliveredLocally();
      this.deliver(event.type, payload);
      return true;
    }
    const envelope: Envelope = { ns: this.namespace, payload };
    this.redis.commands.publish(channelName(this.namespace, event.type), JSON.stringify(envelope)).catch((error: Error) => {
      this.counters.publishFailed();
      const entry = { topic: event.type, message: error.message };
      if (this.warnedSinceReady) return this.logger.debug(entry, "pub/sub publish failed");
      this.warnedSinceReady = true;
      this.logger.warn(entry, "pub/sub publish failed; the event reached no other process");
    });
    return true;
  }

  private receive(channel: string, message: string): void {
    if (!channel.startsWith(this.prefix)) return this.counters.foreignDropped();
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return this.counters.foreignDropped();
    }
    if (envelope === null || typeof envelope !== "object" || envelope.ns !== this.namespace) {
      return this.counters.foreignDropped();
    }
    this.deliver(channel.slice(this.prefix.length), envelope.payload ?? null);
  }

  private deliver(topic: string, payload: unknown): void {
    const set = this.listeners.get(topic);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        listener({ detail: payload });
      } catch (error) {
        this.logger.warn({ err: error, topic }, "pub/sub listener failed");
      }
    }
  }
}

/** Listeners are kept by identity; an object listener is kept as its (stable) bound method. */
const boundHandlers = new WeakMap<object, Listener>();

function toCallback(listener: ListenerOrObject): Listener {
  if (typeof listener === "function") return listener;
  let bound = boundHandlers.get(listener);
  if (bound === undefined) {
    bound = (event) => listener.handleEvent(event);
    boundHandlers.set(listener, bound);
  }
  return bound;
}
