import type { AmsSource, FetchedMembers } from "../sources/ams-source";
import { SourceError } from "../sources/source.error";
import type { GatewayMetrics } from "./metrics";

type Operation = "changedMembers" | "fetchMembers" | "changedEvents" | "authenticate" | "resolveSsoToken" | "writeBack";

/**
 * The source with every AMS call timed and every failure counted by SourceError code
 * (`amsgate_ams_*`), and the members each refresh batch fetched counted by outcome
 * (`amsgate_member_refreshes_total`). Sync sees the same source: optional methods stay optional.
 */
export function instrumentSource(source: AmsSource, metrics: GatewayMetrics): AmsSource {
  const timed = async <T>(operation: Operation, call: () => Promise<T>): Promise<T> => {
    const stop = metrics.amsDuration.startTimer({ operation });
    try {
      return await call();
    } catch (error) {
      metrics.amsErrors.inc({ operation, code: error instanceof SourceError ? error.code : "UNEXPECTED" });
      throw error;
    } finally {
      stop();
    }
  };
  const pages = <T>(operation: Operation, open: () => AsyncIterable<T>): AsyncIterable<T> => ({
    [Symbol.asyncIterator]() {
      const iterator = open()[Symbol.asyncIterator]();
      return {
        // Each page is one AMS call: time the wait for it, not what the consumer does with it.
        next: () => timed(operation, () => iterator.next()),
        return: async (value?: unknown) => (iterator.return ? iterator.return(value) : { done: true as const, value: undefined }),
      };
    },
  });
  const instrumented: AmsSource = {
    get name() {
      return source.name;
    },
    get maxBatchSize() {
      return source.maxBatchSize;
    },
    changedMembers: (since) => pages("changedMembers", () => source.changedMembers(since)),
    changedEvents: (since) => pages("changedEvents", () => source.changedEvents(since)),
    fetchMembers: async (keys) => {
      const fetched: FetchedMembers = await timed("fetchMembers", () => source.fetchMembers(keys));
      metrics.memberRefreshes.inc({ outcome: "fetched" }, fetched.members.length);
      metrics.memberRefreshes.inc({ outcome: "missing" }, fetched.missing.length);
      metrics.memberRefreshes.inc({ outcome: "invalid" }, fetched.invalid.length);
      return fetched;
    },
  };
  if (source.authenticate) {
    const authenticate = source.authenticate.bind(source);
    instrumented.authenticate = (credentials) => timed("authenticate", () => authenticate(credentials));
  }
  if (source.resolveSsoToken) {
    const resolve = source.resolveSsoToken.bind(source);
    instrumented.resolveSsoToken = (token) => timed("resolveSsoToken", () => resolve(token));
  }
  if (source.writeBack) {
    const writeBack = source.writeBack.bind(source);
    instrumented.writeBack = (activity) => timed("writeBack", () => writeBack(activity));
  }
  if (source.close) instrumented.close = source.close.bind(source);
  return instrumented;
}
