import { createPrivateKey, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { z } from "zod";
import type { SalesforceSourceConfig } from "../../config/salesforce.config";
import { SourceError, SourceErrorCode } from "../source.error";
import { classifySalesforceError, describeSalesforceBody } from "./salesforce-errors";

/** An access token and the org's own host that every API call goes to. */
export interface SalesforceSession {
  accessToken: string;
  instanceUrl: string;
}

export interface SalesforceAuthDeps {
  fetch: typeof fetch;
  /** Signs the JWT assertion's expiry against it. */
  now: () => number;
}

/** The assertion may live this long; Salesforce accepts a few minutes at most. */
const ASSERTION_LIFETIME_SECONDS = 180;

const tokenAnswerSchema = z.object({
  access_token: z.string().min(1),
  instance_url: z.string().url(),
});

export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/**
 * OAuth 2.0 for a server with no user present: the client credentials flow, or the JWT bearer
 * flow (an RS256 assertion with iss = client id, sub = username, aud = login URL, a short exp).
 * Keeps one session; concurrent callers share one token request. Never logs a secret or token.
 */
export class SalesforceAuth {
  private session: Promise<SalesforceSession> | undefined;
  private signingKey: KeyObject | undefined;

  constructor(
    private readonly config: SalesforceSourceConfig,
    private readonly deps: SalesforceAuthDeps,
  ) {}

  /** The current session, signing in first if there is none. */
  current(): Promise<SalesforceSession> {
    if (!this.session) {
      const pending = this.signIn();
      this.session = pending;
      // A failed sign-in is not kept: the next call tries again.
      pending.catch(() => {
        if (this.session === pending) this.session = undefined;
      });
    }
    return this.session;
  }

  /** Drops `stale` (a token Salesforce refused) so the next `current()` signs in again. */
  async renew(stale: SalesforceSession): Promise<SalesforceSession> {
    const held = this.session ? await this.session.catch(() => undefined) : undefined;
    if (held === undefined || held.accessToken === stale.accessToken) this.session = undefined;
    return this.current();
  }

  private async signIn(): Promise<SalesforceSession> {
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: this.config.clientId });
    const { grant } = this.config;
    if (grant.kind === "client_credentials") {
      form.set("client_secret", grant.clientSecret.reveal());
    } else {
      form.set("grant_type", JWT_BEARER_GRANT);
      form.delete("client_id");
      form.set("assertion", await this.assertion(grant.username, grant.audience, grant.privateKeyPem.reveal()));
    }
    const call = "POST /services/oauth2/token";
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.deps.fetch(`${this.config.loginUrl}/services/oauth2/token`, {
        method: "POST",
        signal,
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form.toString(),
      });
      text = await response.text();
    } catch (error) {
      const why = signal.aborted ? `no answer within ${this.config.timeoutMs} ms` : "could not reach Salesforce";
      throw new SourceError(SourceErrorCode.TEMPORARY, `${call}: ${why}`, { cause: error });
    }
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      // OAuth refusals (invalid_grant, invalid_client, …) are credentials, not outages.
      const { errorCode, said } = describeSalesforceBody(text);
      throw new SourceError(
        SourceErrorCode.AUTH_REJECTED,
        `${call} answered ${response.status}${said ? `: ${said}` : ""}: sign-in refused`,
        {
          cause: { status: response.status, errorCode },
        },
      );
    }
    if (response.status < 200 || response.status >= 300) {
      throw classifySalesforceError(call, response.status, text, {
        retryAfter: response.headers.get("retry-after"),
        nowMs: this.deps.now(),
        limitBackoffMs: this.config.limitBackoffMs,
      });
    }
    return readTokenAnswer(call, text);
  }

  private async assertion(username: string, audience: string, pem: string): Promise<string> {
    this.signingKey ??= createPrivateKey(pem);
    const nowSeconds = Math.floor(this.deps.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(this.config.clientId)
      .setSubject(username)
      .setAudience(audience)
      .setExpirationTime(nowSeconds + ASSERTION_LIFETIME_SECONDS)
      .sign(this.signingKey);
  }
}

function readTokenAnswer(call: string, text: string): SalesforceSession {
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (error) {
    throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `${call}: expected a JSON token answer`, { cause: error });
  }
  const parsed = tokenAnswerSchema.safeParse(body);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join(".")))].join(", ");
    throw new SourceError(
      SourceErrorCode.CONTRACT_VIOLATION,
      `${call}: expected access_token and instance_url in the answer; missing or bad: ${fields}`,
    );
  }
  return { accessToken: parsed.data.access_token, instanceUrl: parsed.data.instance_url.replace(/\/+$/, "") };
}
