import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Logger } from "../../observability/logger";
import type { AmsSource } from "../../sources/ams-source";
import { SourceError, SourceErrorCode } from "../../sources/source.error";
import { SsoError, SsoErrorCode } from "../sso.error";
import { SsoMethod, type SsoExchangeInput, type SsoMethodHandler, type SsoRequestInfo } from "../sso-method";

export interface CredentialLimits {
  maxFailuresPerUsername: number;
  maxAttemptsPerClient: number;
  windowMs: number;
}

/** Limiters for credential sign-on; in memory unless a shared store is given (several processes). */
export interface CredentialLimiters {
  failuresByUsername: RateLimiterAbstract;
  attemptsByClient: RateLimiterAbstract;
}

export function memoryLimiters(limits: CredentialLimits): CredentialLimiters {
  const duration = Math.max(1, Math.ceil(limits.windowMs / 1000));
  return {
    failuresByUsername: new RateLimiterMemory({ keyPrefix: "sso-user", points: limits.maxFailuresPerUsername, duration }),
    attemptsByClient: new RateLimiterMemory({ keyPrefix: "sso-client", points: limits.maxAttemptsPerClient, duration }),
  };
}

/**
 * CREDENTIALS: the username and password go to the AMS's `authenticate` and nowhere else (never
 * stored, never logged). Attempts are limited per client address, failures per username
 * (rate-limiter-flexible: a maintained limiter with memory and Redis stores), so a guesser is
 * slowed without letting one address lock everyone out.
 */
export class CredentialsMethod implements SsoMethodHandler {
  readonly method = SsoMethod.CREDENTIALS;

  constructor(
    private readonly source: AmsSource,
    private readonly limiters: CredentialLimiters,
    private readonly logger: Logger,
  ) {}

  async resolve(input: SsoExchangeInput, request: SsoRequestInfo): Promise<{ memberKey: string }> {
    const username = input.username?.trim().toLowerCase() ?? "";
    const password = input.password ?? "";
    if (username === "" || password === "") throw new SsoError(SsoErrorCode.BAD_REQUEST, "CREDENTIALS needs a username and a password");
    if (username.length > 320 || password.length > 1_024) throw new SsoError(SsoErrorCode.BAD_REQUEST, "username or password too long");
    await this.consume(this.limiters.attemptsByClient, request.clientAddress);
    await this.ensureNotBlocked(username);
    if (!this.source.authenticate) throw new SsoError(SsoErrorCode.METHOD_DISABLED, "This AMS does not check passwords");
    try {
      const memberKey = await this.source.authenticate({ username, password });
      await this.limiters.failuresByUsername.delete(username);
      return { memberKey };
    } catch (error) {
      if (error instanceof SourceError && error.code === SourceErrorCode.AUTH_REJECTED) {
        await this.limiters.failuresByUsername.penalty(username, 1);
        this.logger.info({ method: this.method, clientAddress: request.clientAddress }, "credentials refused by the AMS");
        throw new SsoError(SsoErrorCode.CREDENTIALS_REJECTED, "Username or password is not correct");
      }
      if (error instanceof SourceError) {
        throw new SsoError(SsoErrorCode.PROVIDER_UNAVAILABLE, "The AMS could not check the password; try again shortly", { cause: error });
      }
      throw error;
    }
  }

  private async ensureNotBlocked(username: string): Promise<void> {
    const state = await this.limiters.failuresByUsername.get(username);
    if (state && state.consumedPoints >= this.limiters.failuresByUsername.points) {
      throw this.limited(state);
    }
  }

  private async consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
    try {
      await limiter.consume(key, 1);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw this.limited(rejection);
      throw rejection;
    }
  }

  private limited(state: RateLimiterRes): SsoError {
    const retryAfterSeconds = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    return new SsoError(SsoErrorCode.RATE_LIMITED, `Too many sign-on attempts; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}
