import { randomBytes } from "node:crypto";
import type { EnvReader } from "./env-readers";

export interface SessionKey {
  id: string;
  /** 256-bit HMAC key. */
  secret: Buffer;
}

export interface SessionConfig {
  /** The first signs; all verify, so keys rotate by adding a new first and retiring the old later. */
  keys: SessionKey[];
  /** True when none was configured and one was made up for this development run. */
  generatedKey: boolean;
  /** Lifetime of one access token. */
  ttlMs: number;
  /** How long renewals can stretch one sign-on before the member must sign on again. */
  maxAgeMs: number;
  /** CREDENTIALS: username and password checked by the AMS. */
  credentialsEnabled: boolean;
  /** WEB_SERVICE: the AMS's own token resolution. */
  webServiceEnabled: boolean;
  /** Longest a sign-on of an unknown or disabled member waits for its refresh. */
  loginRefreshWaitMs: number;
  /** CREDENTIALS: failed attempts allowed per username per window. */
  maxFailuresPerUsername: number;
  /** CREDENTIALS: attempts allowed per client address per window. */
  maxAttemptsPerClient: number;
  rateWindowMs: number;
}

const KEY_PATTERN = /^([A-Za-z0-9_-]{1,32}):([0-9a-fA-F]{64})$/;

function readKeys(read: EnvReader, production: boolean): { keys: SessionKey[]; generated: boolean } {
  const entries = read.list("SESSION_SIGNING_KEYS");
  const keys: SessionKey[] = [];
  entries.forEach((entry, index) => {
    const match = KEY_PATTERN.exec(entry);
    if (!match) {
      read.problem(`SESSION_SIGNING_KEYS entry ${index + 1} must be keyId:<64 hex characters>`);
      return;
    }
    keys.push({ id: match[1]!, secret: Buffer.from(match[2]!, "hex") });
  });
  if (new Set(keys.map((key) => key.id)).size !== keys.length) read.problem("SESSION_SIGNING_KEYS has a key id twice");
  if (keys.length > 0 || entries.length > 0) return { keys, generated: false };
  if (production) return { keys: [], generated: false };
  // Outside production a key made up at start lets sign-on work out of the box; sessions end at restart.
  return { keys: [{ id: "dev", secret: randomBytes(32) }], generated: true };
}

export function readSessionConfig(read: EnvReader, production: boolean): SessionConfig {
  const { keys, generated } = readKeys(read, production);
  return {
    keys,
    generatedKey: generated,
    ttlMs: read.durationMs("SESSION_TTL", 15 * 60_000, 10_000),
    maxAgeMs: read.durationMs("SESSION_MAX_AGE", 12 * 60 * 60_000, 60_000),
    credentialsEnabled: read.bool("SSO_CREDENTIALS_ENABLED", false),
    webServiceEnabled: read.bool("SSO_WEB_SERVICE_ENABLED", false),
    loginRefreshWaitMs: read.durationMs("SSO_LOGIN_REFRESH_WAIT", 10_000, 10),
    maxFailuresPerUsername: read.int("SSO_MAX_FAILURES_PER_USERNAME", 5, 1, 1_000),
    maxAttemptsPerClient: read.int("SSO_MAX_ATTEMPTS_PER_CLIENT", 30, 1, 100_000),
    rateWindowMs: read.durationMs("SSO_RATE_WINDOW", 15 * 60_000, 1_000),
  };
}
