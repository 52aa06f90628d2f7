import assert from "node:assert/strict";
import { it } from "node:test";
import { AuthError } from "./auth.error";
import { signIdentity, verifyIdentity } from "./identity-token";
import { Role, type Viewer } from "./viewer";

const KEY = { secret: "identity-key-0123456789abcdefghijklmnop", audience: "lms" };
const NOW = new Date("2026-12-01T12:00:00Z");
const VIEWER: Viewer = { kind: "session", memberKey: "A", roles: new Set([Role.AUTHENTICATED, Role.MEMBER]), expiresAt: null };

it("a signed identity verifies for its subgraph until it expires", async () => {
  const token = await signIdentity(VIEWER, KEY, NOW, 60);
  assert.deepEqual(await verifyIdentity(token, KEY, new Date(NOW.getTime() + 59_000)), {
    kind: "session",
    memberKey: "A",
    roles: [Role.AUTHENTICATED, Role.MEMBER],
  });
  await assert.rejects(verifyIdentity(token, KEY, new Date(NOW.getTime() + 61_000)), AuthError, "expired");
});

it("refuses an identity for another subgraph, under another key, or none", async () => {
  const token = await signIdentity(VIEWER, KEY, NOW, 60);
  await assert.rejects(verifyIdentity(token, { ...KEY, audience: "billing" }, NOW), AuthError);
  await assert.rejects(verifyIdentity(token, { ...KEY, secret: `${KEY.secret}x` }, NOW), AuthError);
  await assert.rejects(verifyIdentity(undefined, KEY, NOW), AuthError);
  const anonymous = await signIdentity(
    { kind: "anonymous", memberKey: null, roles: new Set([Role.PUBLIC]), expiresAt: null },
    KEY,
    NOW,
    60,
  );
  assert.deepEqual(await verifyIdentity(anonymous, KEY, NOW), { kind: "anonymous", memberKey: null, roles: [Role.PUBLIC] });
});
