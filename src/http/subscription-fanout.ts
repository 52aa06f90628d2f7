import { createSourceEventStream, type ExecutionArgs, type ExecutionResult, execute } from "graphql";
import type { Viewer } from "../auth/viewer";

/** Who an execution is for: what authorization and visibility read of the viewer. */
export function viewerKey(viewer: Viewer): string {
  return JSON.stringify([viewer.kind, viewer.memberKey, [...viewer.roles].sort()]);
}

/**
 * Says which subscribers may share one event's result: equal keys mean the same document,
 * operation, variables and viewer (as `viewerKey` sees it), so executing the event's selection
 * once gives each of them exactly what their own execution would. Null: execute for this
 * subscriber alone.
 */
export type ShareKey = (args: ExecutionArgs) => string | null;

type Result = ExecutionResult | Promise<ExecutionResult>;

/**
 * graphql-js's `subscribe`, but an event delivered to many subscribers is executed once per
 * distinct share key instead of once per subscriber. Each subscriber keeps its own source
 * stream (its subscribe resolver and filter, with its own arguments); only the per-event
 * execution of the selection (resolvers, auth checks, result building) is shared. Results are
 * kept per payload object, so they live only as long as the event does; the publisher gives
 * every publication its own object (see `createPubSubBundle`), so a later event never reuses
 * an earlier one's result.
 */
export function sharedSubscribe(shareKey: ShareKey) {
  const results = new WeakMap<object, Map<string, Result>>();

  const executeEvent = (args: ExecutionArgs, payload: unknown): Result => {
    const key = payload !== null && typeof payload === "object" ? shareKey(args) : null;
    if (key === null) return execute({ ...args, rootValue: payload });
    let byKey = results.get(payload as object);
    if (byKey === undefined) {
      byKey = new Map();
      results.set(payload as object, byKey);
    }
    let result = byKey.get(key);
    if (result === undefined) {
      result = execute({ ...args, rootValue: payload });
      byKey.set(key, result);
    }
    return result;
  };

  return async (args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> => {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream;
    return mapEvents(stream, (payload) => executeEvent(args, payload));
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === "object" && Symbol.asyncIterator in value;
}

/**
 * graphql-js's own mapping of a source stream (closing it on `return` at once, even while it
 * waits for an event, so an unsubscribed client releases its pub/sub listener immediately).
 */
function mapEvents(source: AsyncIterable<unknown>, map: (payload: unknown) => Result): AsyncGenerator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const close = async () => {
    try {
      await iterator.return?.();
    } catch {
      // Keep the original error when closing the source also fails.
    }
  };
  const mapped = async (step: IteratorResult<unknown>): Promise<IteratorResult<ExecutionResult>> => {
    if (step.done) return { value: undefined, done: true };
    try {
      return { value: await map(step.value), done: false };
    } catch (error) {
      await close();
      throw error;
    }
  };
  const generator: AsyncGenerator<ExecutionResult> = {
    next: async () => mapped(await iterator.next()),
    return: async () => (iterator.return ? mapped(await iterator.return()) : { value: undefined, done: true }),
    throw: async (error: unknown) => {
      if (iterator.throw) return mapped(await iterator.throw(error));
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return generator;
    },
  } as unknown as AsyncGenerator<ExecutionResult>;
  return generator;
}
