import type { EnvReader } from "./env-readers";

/** The push API (`POST /push/v1/members`): who may push, for which tenant, how much and how often. */
export interface PushConfig {
  /** Keys accepted in `x-api-key`; empty turns the push API off. */
  apiKeys: string[];
  /** The `TenantCode` every push must name. */
  tenantCode: string | null;
  maxBodyBytes: number;
  /** Requests per key per window. */
  rateLimit: { points: number; windowMs: number };
}

/** The signed change webhook (`POST /webhooks/ams`). */
export interface WebhookConfig {
  /** `whsec_…` secrets; any of them verifies (rotation). Empty turns the webhook off. */
  secrets: string[];
  maxBodyBytes: number;
}

export interface IngestConfig {
  push: PushConfig;
  webhook: WebhookConfig;
}

const MIN_PUSH_KEY_LENGTH = 24;
const MIB = 1024 * 1024;

/** PUSH_* , TENANT_CODE and WEBHOOK_* variables. */
export function readIngestConfig(read: EnvReader): IngestConfig {
  const apiKeys = read.list("PUSH_API_KEYS");
  apiKeys.forEach((key, index) => {
    if (key.length < MIN_PUSH_KEY_LENGTH)
      read.problem(`PUSH_API_KEYS entry ${index + 1} is shorter than ${MIN_PUSH_KEY_LENGTH} characters`);
  });
  const tenantCode = read.optionalString("TENANT_CODE") ?? null;
  if (apiKeys.length > 0 && tenantCode === null) read.problem("TENANT_CODE is required when PUSH_API_KEYS is set: every push must name it");
  const secrets = read.list("WEBHOOK_SECRETS");
  secrets.forEach((secret, index) => {
    if (!/^whsec_[A-Za-z0-9+/=]{16,}$/.test(secret))
      read.problem(`WEBHOOK_SECRETS entry ${index + 1} is not a whsec_ secret (whsec_ followed by base64)`);
  });
  return {
    push: {
      apiKeys,
      tenantCode,
      maxBodyBytes: read.int("PUSH_MAX_BODY", MIB, 1024, 64 * MIB),
      rateLimit: {
        points: read.int("PUSH_RATE_LIMIT", 60, 1, 100_000),
        windowMs: read.durationMs("PUSH_RATE_WINDOW", 60_000, 1_000),
      },
    },
    webhook: { secrets, maxBodyBytes: read.int("WEBHOOK_MAX_BODY", MIB, 1024, 64 * MIB) },
  };
}

/** A copy safe to log: how many keys and secrets, never their values. */
export function redactIngestConfig(config: IngestConfig): Record<string, unknown> {
  return {
    push: { ...config.push, apiKeys: config.push.apiKeys.length },
    webhook: { ...config.webhook, secrets: config.webhook.secrets.length },
  };
}
