import type { SubscribeResolverData } from "type-graphql";
import type { GraphContext } from "./context";

/** What a subscription's filter is asked, per publication: as type-graphql's `filter` is. */
export interface TopicEvent<Payload, Args> {
  payload: Payload;
  args: Args;
  context: GraphContext;
}

/**
 * A type-graphql `subscribe` for `topic` whose filter runs inside the fan-out, as each event is
 * published (see TopicFanout), rather than in the Repeater type-graphql wraps around the stream
 * for a `filter` option: one iterator a subscriber instead of two.
 */
export function topicSubscription<Payload, Args>(topic: string, accepts: (event: TopicEvent<Payload, Args>) => boolean) {
  return ({ args, context }: SubscribeResolverData<unknown, Args, GraphContext>) =>
    context.services.pubSub.subscribe(topic, undefined, (payload) => accepts({ payload: payload as Payload, args, context }));
}
