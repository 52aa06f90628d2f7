import { GraphError, GraphErrorCode } from "./graph.error";

/** What carries publications: an in-process EventTarget, or Redis between processes. */
export interface EventTransport {
  addEventListener(topic: string, listener: (event: Event) => void): void;
  removeEventListener(topic: string, listener: (event: Event) => void): void;
  dispatchEvent(event: Event): boolean;
}

/**
 * Events a subscriber may have waiting before it is cut off (it reads slower than events come).
 * A refresh batch publishes a `memberChanged` for each of up to 1,000 members at once, so a
 * subscriber keeping up can briefly hold a few thousand; each waiting event costs its queue a
 * slot, the payload itself is shared.
 */
export const MAX_PENDING_EVENTS = 10_000;

/**
 * The pub/sub type-graphql subscriptions and sync read: `publish(topic, payload)` or
 * `publish(topic, id, payload)`, `subscribe(topic, id?)`, as `@graphql-yoga/subscription`'s
 * `createPubSub`, which it replaced. That one gave every subscriber its own listener on the
 * transport (Node's EventTarget dispatches each with an event object and checks) and its own
 * Repeater; a publication to 1,000 subscribers took about 10 ms before any of them saw it.
 * Here the transport has one listener per topic, and the publication is handed to each
 * subscriber's queue in a loop. Every subscriber is given the same payload object, which the
 * shared execution of an event relies on (`sharedSubscribe`).
 */
export class TopicFanout {
  private readonly topics = new Map<string, Set<TopicSubscription>>();
  private readonly listeners = new Map<string, (event: Event) => void>();

  constructor(
    private readonly transport: EventTransport,
    private readonly maxPending = MAX_PENDING_EVENTS,
  ) {}

  publish(routingKey: string, ...args: unknown[]): void {
    const payload = args[1] ?? args[0] ?? null;
    const topic = args[1] === undefined ? routingKey : `${routingKey}:${String(args[0])}`;
    this.transport.dispatchEvent(new CustomEvent(topic, { detail: payload }));
  }

  /**
   * `accepts` is asked of each publication, as it is published, before it is queued (a
   * subscription filter, run here rather than in another iterator around this one). One that
   * throws ends that subscription with its error, never the publisher's call or another's.
   */
  subscribe(routingKey: string, id?: unknown, accepts?: (payload: unknown) => boolean): AsyncIterableIterator<unknown> {
    const topic = id === undefined ? routingKey : `${routingKey}:${String(id)}`;
    let subscribers = this.topics.get(topic);
    if (subscribers === undefined) {
      const set = new Set<TopicSubscription>();
      subscribers = set;
      this.topics.set(topic, set);
      const listener = (event: Event) => {
        const payload = (event as CustomEvent).detail ?? null;
        for (const subscriber of set) subscriber.deliver(payload);
      };
      this.listeners.set(topic, listener);
      this.transport.addEventListener(topic, listener);
    }
    const subscription = new TopicSubscription(this.maxPending, accepts, () => this.leave(topic, subscription));
    subscribers.add(subscription);
    return subscription;
  }

  /** Subscribers of `topic` now (tests). */
  subscriberCount(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  private leave(topic: string, subscription: TopicSubscription): void {
    const subscribers = this.topics.get(topic);
    if (subscribers === undefined || !subscribers.delete(subscription) || subscribers.size > 0) return;
    this.topics.delete(topic);
    this.transport.removeEventListener(topic, this.listeners.get(topic)!);
    this.listeners.delete(topic);
  }
}

/**
 * One subscriber's events, in order, until it returns. A subscriber with `maxPending` events
 * unread is cut off: its next read fails with a clear error (sent to its client), instead of
 * the gateway holding an ever longer queue for it. Nothing is skipped silently.
 */
class TopicSubscription implements AsyncIterableIterator<unknown> {
  private readonly queue: unknown[] = [];
  private waiting: { resolve: (result: IteratorResult<unknown>) => void; reject: (error: unknown) => void } | null = null;
  private ended = false;
  /** Why it ended, for the read that comes next; `NONE` when it has not failed. */
  private failure: unknown = NONE;

  constructor(
    private readonly maxPending: number,
    private readonly accepts: ((payload: unknown) => boolean) | undefined,
    private readonly onEnd: () => void,
  ) {}

  deliver(payload: unknown): void {
    if (this.ended) return;
    if (this.accepts !== undefined) {
      try {
        if (!this.accepts(payload)) return;
      } catch (error) {
        return this.fail(error);
      }
    }
    const waiting = this.waiting;
    if (waiting !== null) {
      this.waiting = null;
      waiting.resolve({ value: payload, done: false });
    } else if (this.queue.length < this.maxPending) {
      this.queue.push(payload);
    } else {
      this.fail(
        new GraphError(
          GraphErrorCode.SUBSCRIBER_TOO_SLOW,
          `this subscription fell ${this.maxPending} events behind and was ended; subscribe again to go on`,
        ),
      );
    }
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift(), done: false });
    if (this.failure !== NONE) {
      const failure = this.failure;
      this.failure = NONE;
      return Promise.reject(failure);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<unknown>> {
    this.queue.length = 0;
    this.failure = NONE;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }

  /** Ends the subscription; its next read (or the one waiting now) fails with `error`. */
  private fail(error: unknown): void {
    this.queue.length = 0;
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting !== null) waiting.reject(error);
    else this.failure = error;
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve({ value: undefined, done: true });
  }
}

const NONE = Symbol("no failure");
