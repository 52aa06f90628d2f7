import { z } from "zod";
import type { ImisSourceConfig } from "../../config/imis.config";
import { parseOrThrow } from "../member-info/contract-violation";
import { SourceError, SourceErrorCode } from "../source.error";
import { exchange, type ImisHttpDeps, jsonBody, statusError } from "./imis-http";

const TOKEN_CALL = "POST /token";

const tokenAnswerSchema = z.object({
  access_token: z.string().trim().min(1),
  token_type: z
    .string()
    .optional()
    .refine((type) => type === undefined || type.toLowerCase() === "bearer", { message: "expected a bearer token" }),
  expires_in: z.coerce.number().int().positive(),
});

export type ImisTokenConfig = Pick<ImisSourceConfig, "url" | "username" | "password" | "timeoutMs" | "tokenRefreshMarginMs">;

interface HeldToken {
  token: string;
  /** When to stop using it: its announced expiry less the refresh margin. */
  renewAtMs: number;
}

/**
 * Bearer tokens from iMIS's `POST /token` (password grant), kept until shortly before the
 * expiry they announce (`expires_in`, read against the injected clock) and renewed then, or
 * at once when the API refuses one. Concurrent callers share one token request. The password
 * goes in the form body of that request and nowhere else; neither it nor a token is logged.
 */
export class ImisTokenProvider {
  private held: HeldToken | null = null;
  private pending: Promise<string> | null = null;
  /** Tokens obtained so far (for the connection check and tests). */
  issued = 0;

  constructor(
    private readonly config: ImisTokenConfig,
    private readonly deps: ImisHttpDeps,
  ) {}

  /** A token that is good now. */
  async token(): Promise<string> {
    if (this.held !== null && this.deps.now() < this.held.renewAtMs) return this.held.token;
    this.pending ??= this.request().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** The API refused `token`: forget it, so the next `token()` asks for a new one. */
  invalidate(token: string): void {
    if (this.held?.token === token) this.held = null;
  }

  private async request(): Promise<string> {
    const requestedAtMs = this.deps.now();
    const form = new URLSearchParams({ grant_type: "password", username: this.config.username, password: this.config.password });
    const answer = await exchange(
      this.deps,
      TOKEN_CALL,
      new URL(`${this.config.url}/token`),
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form.toString(),
      },
      this.config.timeoutMs,
    );
    // The token endpoint answers refused credentials with 400 invalid_grant (OAuth 2.0, RFC 6749 §5.2).
    const failure = answer.status === 400 ? rejected(statusError(TOKEN_CALL, answer)!) : statusError(TOKEN_CALL, answer);
    if (failure) throw failure;
    const body = parseOrThrow(tokenAnswerSchema, jsonBody(TOKEN_CALL, answer), `${TOKEN_CALL} answer`);
    // Timed from the request, not the answer: a slow answer must not stretch the token's life.
    const lifetimeMs = body.expires_in * 1000;
    const renewAtMs = requestedAtMs + Math.max(lifetimeMs - this.config.tokenRefreshMarginMs, lifetimeMs / 2);
    this.held = { token: body.access_token, renewAtMs };
    this.issued += 1;
    return body.access_token;
  }
}

function rejected(error: SourceError): SourceError {
  return new SourceError(SourceErrorCode.AUTH_REJECTED, error.message.replace(/: expected 2xx$/, ": credentials rejected"));
}
