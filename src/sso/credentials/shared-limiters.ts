import type Redis from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";
import { type CredentialLimiters, type CredentialLimits, memoryLimiters } from "./credentials.method";

/** Where limits shared by every gateway process of one deployment are counted. */
export interface SharedLimitStore {
  client: Redis;
  /** The deployment namespace: part of every key, so deployments on one Redis never share counts. */
  namespace: string;
}

/**
 * Credential limits counted in Redis, so N processes allow what one does, not N times as much.
 * While Redis is away each process falls back to counting in its own memory
 * (`insuranceLimiter`): the limits still hold per process, and sign-on never waits on Redis
 * (`rejectIfRedisNotReady` goes to the fallback at once instead of queueing the command).
 */
export function sharedLimiters(limits: CredentialLimits, store: SharedLimitStore): CredentialLimiters {
  const duration = Math.max(1, Math.ceil(limits.windowMs / 1000));
  const fallback = memoryLimiters(limits);
  const limiter = (name: string, points: number, insuranceLimiter: CredentialLimiters[keyof CredentialLimiters]) =>
    new RateLimiterRedis({
      storeClient: store.client,
      keyPrefix: `amsgate:${store.namespace}:${name}`,
      points,
      duration,
      rejectIfRedisNotReady: true,
      insuranceLimiter,
    });
  return {
    failuresByUsername: limiter("sso-user", limits.maxFailuresPerUsername, fallback.failuresByUsername),
    attemptsByClient: limiter("sso-client", limits.maxAttemptsPerClient, fallback.attemptsByClient),
  };
}
