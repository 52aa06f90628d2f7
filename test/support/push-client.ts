import { Webhook } from "standardwebhooks";

export const PUSH_KEY = "test-push-key-0123456789abcdef";
export const OTHER_PUSH_KEY = "test-push-key-other-0123456789";
export const TENANT = "ACME";

export interface PushResponse {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

/** A POST of `body` (sent as is when a string) with the given headers; the JSON answer read back. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<PushResponse> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, any>;
  try {
    parsed = JSON.parse(text) as Record<string, any>;
  } catch {
    throw new Error(`not JSON (${response.status}): ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export interface PushOptions {
  key?: string;
  tenant?: string;
  headers?: Record<string, string>;
}

/** `POST /push/v1/members` with a push key and tenant. */
export function push(baseUrl: string, items: unknown[], options: PushOptions = {}): Promise<PushResponse> {
  return pushTo(baseUrl, "members", items, options);
}

/** `POST /push/v1/<route>` with a push key and tenant. */
export function pushTo(baseUrl: string, route: string, items: unknown[], options: PushOptions = {}): Promise<PushResponse> {
  return postJson(
    `${baseUrl}/push/v1/${route}`,
    { TenantCode: options.tenant ?? TENANT, Items: items },
    {
      "x-api-key": options.key ?? PUSH_KEY,
      ...options.headers,
    },
  );
}

/** Standard Webhooks headers for `body`, signed with `secret` at `at`. */
export function signedHeaders(secret: string, id: string, body: string, at = new Date()): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}
