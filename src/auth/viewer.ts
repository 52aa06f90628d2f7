/** What a caller may be, from least to most trusted. */
export enum Role {
  PUBLIC = "PUBLIC",
  AUTHENTICATED = "AUTHENTICATED",
  MEMBER = "MEMBER",
  STAFF = "STAFF",
  ADMIN = "ADMIN",
  /**
   * A learning system calling with an LMS API key: records completions and reads their writeback
   * status. Outside the ladder above: it reads no member directory.
   */
  LMS = "LMS",
}

/** Who is asking: decided once per HTTP request or WebSocket connection. */
export interface Viewer {
  kind: "anonymous" | "api-key" | "session";
  /** The member behind a session; null for anonymous callers and API keys. */
  memberKey: string | null;
  roles: ReadonlySet<Role>;
  /** When the credentials stop being good; WebSocket connections close then. */
  expiresAt: Date | null;
  /** When a session's member signed on; renewals keep it, bounding the session's age. */
  authTime?: Date;
  /** The sign-on a session belongs to: renewals keep it, signing out revokes it. */
  sessionId?: string;
}

export const ANONYMOUS: Viewer = Object.freeze({
  kind: "anonymous",
  memberKey: null,
  roles: new Set([Role.PUBLIC]),
  expiresAt: null,
});

export const API_KEY_VIEWER: Viewer = Object.freeze({
  kind: "api-key",
  memberKey: null,
  roles: new Set([Role.PUBLIC, Role.AUTHENTICATED, Role.STAFF, Role.ADMIN]),
  expiresAt: null,
});

/** A system holding an LMS key: signed in, LMS, nothing more. */
export const LMS_KEY_VIEWER: Viewer = Object.freeze({
  kind: "api-key",
  memberKey: null,
  roles: new Set([Role.PUBLIC, Role.AUTHENTICATED, Role.LMS]),
  expiresAt: null,
});

export function hasRole(viewer: Viewer, role: Role): boolean {
  return viewer.roles.has(role);
}
