import { errors, jwtVerify, type JWTPayload } from "jose";
import type { OidcSsoConfig } from "../../config/sso.config";
import type { Logger } from "../../observability/logger";
import type { Clock } from "../../time/clock";
import type { ReplayGuard } from "../replay/replay.guard";
import { SsoMethod, type SsoExchangeInput, type SsoMethodHandler, type SsoRequestInfo } from "../sso-method";
import { SsoError, SsoErrorCode } from "../sso.error";
import { asMemberKey, claimAt, nonceMatches, singleUseId } from "./oidc-claims";
import { OidcDiscoveryError, OidcKeySet } from "./oidc-key-set";

export interface OidcMethodDependencies {
  clock: Clock;
  /** Spends each ID token once; shared by every gateway process (the database) in production. */
  replayGuard: ReplayGuard;
  /** Refusals are logged with the reason, never the token. */
  logger?: Logger;
  /** Tuning of the JWKS cache; see {@link OidcKeySet}. Tests set a zero cooldown. */
  jwks?: { cooldownMs?: number; cacheMaxAgeMs?: number };
}

const MAX_TOKEN_LENGTH = 16 * 1024;
const INVALID = "The ID token is not valid.";
const EXPIRED = "The ID token has expired; sign in again.";
const REPLAYED = "The ID token has already been used; sign in again.";
const UNAVAILABLE = "The identity provider could not be reached; try again shortly.";

/**
 * OIDC: verifies an OpenID Connect ID token with jose against the provider's JWKS and returns the
 * member key from `memberKeyClaim`. Checks the signature with an explicit algorithm allow-list
 * (asymmetric only, so neither `none` nor an HMAC keyed with a public key gets through), `iss`,
 * `aud` (and `azp` when there are several audiences), `exp`/`nbf` with the configured tolerance,
 * and the `nonce` the app sent. A good token is then spent: accepted once within its lifetime (see
 * {@link singleUseId}). `SsoError`: `BAD_REQUEST` (no token or nonce), `INVALID_TOKEN`,
 * `EXPIRED_TOKEN`, `REPLAYED_TOKEN`, `MEMBER_NOT_FOUND` (no usable member key claim),
 * `PROVIDER_UNAVAILABLE` (keys unreachable, or the replay guard could not answer).
 */
export class OidcMethod implements SsoMethodHandler {
  readonly method = SsoMethod.OIDC;
  private readonly keys: OidcKeySet;

  constructor(
    private readonly config: OidcSsoConfig,
    private readonly deps: OidcMethodDependencies,
  ) {
    if (config.algorithms.length === 0) throw new TypeError("OidcMethod needs at least one allowed algorithm");
    this.keys = new OidcKeySet({ ...config, cooldownMs: deps.jwks?.cooldownMs, cacheMaxAgeMs: deps.jwks?.cacheMaxAgeMs });
  }

  async resolve(input: SsoExchangeInput, request: SsoRequestInfo): Promise<{ memberKey: string }> {
    const token = input.token?.trim();
    if (!token) throw new SsoError(SsoErrorCode.BAD_REQUEST, "An ID token is required.");
    const nonce = input.nonce?.trim();
    if (!nonce) throw new SsoError(SsoErrorCode.BAD_REQUEST, "The nonce sent with the authorization request is required.");
    if (token.length > MAX_TOKEN_LENGTH) throw this.refuse(SsoErrorCode.INVALID_TOKEN, "token too long", request);

    const payload = await this.verify(token, request);
    if (!nonceMatches(nonce, payload.nonce)) throw this.refuse(SsoErrorCode.INVALID_TOKEN, "nonce mismatch", request);
    const memberKey = asMemberKey(claimAt(payload, this.config.memberKeyClaim));
    if (memberKey === undefined) {
      this.log("info", { reason: "no usable member key claim", claim: this.config.memberKeyClaim }, request);
      throw new SsoError(SsoErrorCode.MEMBER_NOT_FOUND, "The ID token names no member.");
    }
    await this.spend(payload, request);
    return { memberKey };
  }

  /** Claims the token's single-use id until the token would be refused as expired anyway. */
  private async spend(payload: JWTPayload, request: SsoRequestInfo): Promise<void> {
    const toleranceSeconds = Math.floor(this.config.clockToleranceMs / 1000);
    const acceptUntil = new Date((payload.exp! + toleranceSeconds) * 1000);
    let first: boolean;
    try {
      first = await this.deps.replayGuard.claim(singleUseId(payload), acceptUntil);
    } catch (error) {
      // Fail closed: without the guard's answer a replay cannot be ruled out.
      this.deps.logger?.error({ err: error, method: this.method }, "replay guard failed; sign-on refused");
      throw new SsoError(SsoErrorCode.PROVIDER_UNAVAILABLE, "Sign-on is unavailable right now; try again shortly.", { cause: error });
    }
    if (!first) throw this.refuse(SsoErrorCode.REPLAYED_TOKEN, "token already used", request);
  }

  private async verify(token: string, request: SsoRequestInfo): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys.getKey, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.algorithms,
        clockTolerance: Math.floor(this.config.clockToleranceMs / 1000),
        currentDate: this.deps.clock.now(),
        requiredClaims: ["iss", "aud", "sub", "exp", "iat"],
      }));
    } catch (error) {
      throw this.mapError(error, request);
    }
    // OpenID Connect Core §3.1.3.7: with several audiences, `azp` must name us.
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== this.config.audience) {
      throw this.refuse(SsoErrorCode.INVALID_TOKEN, "several audiences and azp is not the client id", request);
    }
    return payload;
  }

  private mapError(error: unknown, request: SsoRequestInfo): SsoError {
    if (error instanceof errors.JWTExpired) return this.refuse(SsoErrorCode.EXPIRED_TOKEN, "expired", request);
    const keysUnreachable =
      error instanceof OidcDiscoveryError ||
      error instanceof errors.JWKSTimeout ||
      error instanceof errors.JWKSInvalid ||
      (error instanceof errors.JOSEError && error.code === "ERR_JOSE_GENERIC") ||
      !(error instanceof errors.JOSEError);
    if (keysUnreachable) {
      // Only fetching keys does I/O here, so anything jose did not raise itself is the network.
      this.log("warn", { reason: "signing keys unavailable", detail: error instanceof Error ? error.message : String(error) }, request);
      return new SsoError(SsoErrorCode.PROVIDER_UNAVAILABLE, UNAVAILABLE, { cause: error });
    }
    const claim = error instanceof errors.JWTClaimValidationFailed ? error.claim : undefined;
    return this.refuse(SsoErrorCode.INVALID_TOKEN, error.code, request, { claim });
  }

  private refuse(code: SsoErrorCode, reason: string, request: SsoRequestInfo, extra: Record<string, unknown> = {}): SsoError {
    this.log("info", { code, reason, ...extra }, request);
    const message = code === SsoErrorCode.EXPIRED_TOKEN ? EXPIRED : code === SsoErrorCode.REPLAYED_TOKEN ? REPLAYED : INVALID;
    return new SsoError(code, message);
  }

  private log(level: "info" | "warn", fields: Record<string, unknown>, request: SsoRequestInfo): void {
    this.deps.logger?.[level]({ method: this.method, clientAddress: request.clientAddress, ...fields }, "OIDC sign-on refused");
  }
}
