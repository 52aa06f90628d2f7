import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createErrorFormatter } from "../src/graph/errors";
import { GraphError } from "../src/graph/graph.error";
import { createPubSubBundle } from "../src/graph/pubsub";
import { type EventTransport, MAX_PENDING_EVENTS, TopicFanout } from "../src/graph/topic-fanout";
import { createLogger } from "../src/observability/logger";

/** An EventTarget that counts its listeners per topic. */
class CountingTarget extends EventTarget implements EventTransport {
  readonly listening = new Map<string, number>();

  override addEventListener(topic: string, listener: (event: Event) => void): void {
    this.listening.set(topic, (this.listening.get(topic) ?? 0) + 1);
    super.addEventListener(topic, listener);
  }

  override removeEventListener(topic: string, listener: (event: Event) => void): void {
    this.listening.set(topic, (this.listening.get(topic) ?? 0) - 1);
    super.removeEventListener(topic, listener);
  }
}

const take = async (iterator: AsyncIterator<unknown>, count: number) => {
  const out: unknown[] = [];
  for (let index = 0; index < count; index += 1) out.push((await iterator.next()).value);
  return out;
};

describe("topic fan-out", () => {
  it("gives every subscriber each publication, in order, as the same object", async () => {
    const fanout = new TopicFanout(new EventTarget());
    const first = fanout.subscribe("runs");
    const second = fanout.subscribe("runs");
    const other = fanout.subscribe("queue");
    const events = [{ n: 1 }, { n: 2 }, { n: 3 }];
    for (const event of events) fanout.publish("runs", event);
    const [a, b] = await Promise.all([take(first, 3), take(second, 3)]);
    assert.deepEqual(a, events);
    assert.ok(
      a.every((event, index) => event === b[index] && event === events[index]),
      "the published objects themselves",
    );
    fanout.publish("queue", { size: 1 });
    assert.deepEqual((await other.next()).value, { size: 1 }, "and nothing of another topic");
  });

  it("wakes a subscriber that was waiting, and keeps topic ids apart", async () => {
    const fanout = new TopicFanout(new EventTarget());
    const waiting = fanout.subscribe("member", "M1").next();
    fanout.publish("member", "M2", { key: "M2" });
    fanout.publish("member", "M1", { key: "M1" });
    assert.deepEqual(await waiting, { value: { key: "M1" }, done: false });
  });

  it("listens on the transport once per topic, and stops when the last subscriber returns", async () => {
    const target = new CountingTarget();
    const fanout = new TopicFanout(target);
    const subscribers = Array.from({ length: 50 }, () => fanout.subscribe("runs"));
    assert.equal(target.listening.get("runs"), 1);
    const pending = subscribers[0]!.next();
    await subscribers[0]!.return!();
    assert.deepEqual(await pending, { value: undefined, done: true }, "a read waiting when it returns ends");
    assert.equal(fanout.subscriberCount("runs"), 49);
    for (const subscriber of subscribers.slice(1)) await subscriber.return!();
    assert.equal(target.listening.get("runs"), 0);
    fanout.publish("runs", { n: 1 });
    assert.deepEqual(await subscribers[1]!.next(), { value: undefined, done: true });
    const again = fanout.subscribe("runs");
    assert.equal(target.listening.get("runs"), 1, "a new subscriber listens again");
    fanout.publish("runs", { n: 2 });
    assert.deepEqual((await again.next()).value, { n: 2 });
  });

  it("filters as it publishes, and a filter that throws ends its own subscription only", async () => {
    const fanout = new TopicFanout(new EventTarget());
    const even = fanout.subscribe("numbers", undefined, (payload) => (payload as { n: number }).n % 2 === 0);
    const broken = fanout.subscribe("numbers", undefined, () => {
      throw new Error("filter failed");
    });
    const all = fanout.subscribe("numbers");
    for (const n of [1, 2, 3, 4]) assert.doesNotThrow(() => fanout.publish("numbers", { n }), "the publisher never sees it");
    assert.deepEqual(await take(even, 2), [{ n: 2 }, { n: 4 }]);
    assert.deepEqual(await take(all, 4), [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    await assert.rejects(broken.next(), /filter failed/);
    assert.deepEqual(await broken.next(), { value: undefined, done: true });
    assert.equal(fanout.subscriberCount("numbers"), 2);
  });

  it("ends a subscriber that falls too far behind with SUBSCRIBER_TOO_SLOW, and keeps the others", async () => {
    const fanout = new TopicFanout(new EventTarget(), 3);
    const slow = fanout.subscribe("runs");
    const reader = fanout.subscribe("runs");
    for (let n = 1; n <= 4; n += 1) {
      fanout.publish("runs", { n });
      assert.deepEqual((await reader.next()).value, { n });
    }
    const error = await slow.next().then(
      () => assert.fail("the slow subscriber read an event"),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof GraphError);
    assert.equal(error.code, "SUBSCRIBER_TOO_SLOW");
    const formatted = createErrorFormatter(createLogger("silent"), { hideSchemaDetails: true })({ message: error.message }, error);
    assert.equal(formatted.extensions?.code, "SUBSCRIBER_TOO_SLOW", "its client is told why");
    assert.deepEqual(await slow.next(), { value: undefined, done: true });
    assert.equal(fanout.subscriberCount("runs"), 1);
    fanout.publish("runs", { n: 5 });
    assert.deepEqual((await reader.next()).value, { n: 5 });
  });

  // Before, each subscriber had a Repeater: its 1,025th unread push threw inside the EventTarget's
  // listener, which Node rethrows as an uncaught exception, ending the whole process.
  it("keeps the process up when a subscriber falls behind the default limit, and the others get everything", async () => {
    const bundle = createPubSubBundle(null, createLogger("silent"));
    const reader = bundle.pubSub.subscribe("sync.member");
    const stalled = bundle.pubSub.subscribe("sync.member");
    let read = 0;
    for (let n = 0; n <= MAX_PENDING_EVENTS; n += 1) {
      bundle.channel.publish("sync.member", { n });
      if (((await reader.next()).value as { n: number }).n === n) read += 1;
    }
    assert.equal(read, MAX_PENDING_EVENTS + 1);
    await assert.rejects(stalled.next(), (error: unknown) => error instanceof GraphError && error.code === "SUBSCRIBER_TOO_SLOW");
    assert.equal(bundle.pubSub.subscriberCount("sync.member"), 1);
    await bundle.close();
  });
});
