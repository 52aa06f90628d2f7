import type { PresharedKeySsoConfig } from "../../config/sso.config";
import type { Logger } from "../../observability/logger";
import type { Clock } from "../../time/clock";
import { SsoMethod, type SsoExchangeInput, type SsoMethodHandler, type SsoRequestInfo } from "../sso-method";
import { SsoError, SsoErrorCode } from "../sso.error";
import { openPresharedKeyToken } from "./preshared-key.format";
import type { ReplayGuard } from "../replay/replay.guard";

export interface PresharedKeyMethodDependencies {
  clock: Clock;
  replayGuard: ReplayGuard;
  /** Refusals are logged at info with the reason and key id, never token material. */
  logger?: Logger;
}

// One message per code, whatever the check that failed, so a client learns nothing about which.
const INVALID = "The sign-on token is not valid.";
const EXPIRED = "The sign-on token has expired; sign in again.";
const REPLAYED = "The sign-on token has already been used; sign in again.";

/**
 * PRESHARED_KEY: turns a token minted by the association's website (format v1,
 * `preshared-key.format.md`) into the member key. Refuses, with `SsoError`:
 * - `INVALID_TOKEN`: malformed, truncated, tampered, wrong version, unknown key id, claims
 *   missing, lifetime above `maxTtlMs`, or issued in the future beyond the clock skew;
 * - `EXPIRED_TOKEN`: at or past `exp` plus the clock skew;
 * - `REPLAYED_TOKEN`: a token id already claimed in the replay guard;
 * - `BAD_REQUEST`: no token; `PROVIDER_UNAVAILABLE`: the replay guard could not answer.
 */
export class PresharedKeyMethod implements SsoMethodHandler {
  readonly method = SsoMethod.PRESHARED_KEY;

  constructor(
    private readonly config: PresharedKeySsoConfig,
    private readonly deps: PresharedKeyMethodDependencies,
  ) {
    if (config.keys.length === 0) throw new TypeError("PresharedKeyMethod needs at least one key");
  }

  async resolve(input: SsoExchangeInput, request: SsoRequestInfo): Promise<{ memberKey: string }> {
    const token = input.token?.trim();
    if (!token) throw new SsoError(SsoErrorCode.BAD_REQUEST, "A sign-on token is required.");
    const opened = openPresharedKeyToken(token, this.config.keys);
    if (!opened.ok) throw this.refuse(SsoErrorCode.INVALID_TOKEN, INVALID, opened.reason, request, opened.keyId);
    const { keyId, claims } = opened;

    const nowMs = this.deps.clock.now().getTime();
    const skewMs = this.config.clockSkewMs;
    if ((claims.exp - claims.iat) * 1000 > this.config.maxTtlMs) {
      throw this.refuse(SsoErrorCode.INVALID_TOKEN, INVALID, "lifetime above the maximum", request, keyId);
    }
    if (claims.iat * 1000 > nowMs + skewMs) {
      throw this.refuse(SsoErrorCode.INVALID_TOKEN, INVALID, "issued in the future", request, keyId);
    }
    const acceptUntilMs = claims.exp * 1000 + skewMs;
    if (nowMs >= acceptUntilMs) throw this.refuse(SsoErrorCode.EXPIRED_TOKEN, EXPIRED, "expired", request, keyId);

    await this.claimOnce(claims.jti, new Date(acceptUntilMs), request, keyId);
    return { memberKey: claims.sub };
  }

  private async claimOnce(tokenId: string, acceptUntil: Date, request: SsoRequestInfo, keyId: string): Promise<void> {
    let first: boolean;
    try {
      // Remembered until the token would be refused as expired anyway.
      first = await this.deps.replayGuard.claim(tokenId, acceptUntil);
    } catch (error) {
      // Fail closed: without the guard's answer a replay cannot be ruled out.
      this.deps.logger?.error({ err: error, method: this.method, keyId }, "replay guard failed; sign-on refused");
      throw new SsoError(SsoErrorCode.PROVIDER_UNAVAILABLE, "Sign-on is unavailable right now; try again shortly.", {
        cause: error,
      });
    }
    if (!first) throw this.refuse(SsoErrorCode.REPLAYED_TOKEN, REPLAYED, "token id already used", request, keyId);
  }

  private refuse(code: SsoErrorCode, message: string, reason: string, request: SsoRequestInfo, keyId?: string): SsoError {
    this.deps.logger?.info({ method: this.method, code, reason, keyId, clientAddress: request.clientAddress }, "sign-on token refused");
    return new SsoError(code, message);
  }
}
