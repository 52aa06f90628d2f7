import type { GraphPubSub } from "./pubsub";
import type { DataSource } from "typeorm";
import type { DirectoryConfig } from "../config/directory.config";
import type { FederationConfig } from "../config/federation.config";
import type { Logger } from "../observability/logger";
import type { SessionTokens } from "../sso/session/session-tokens";
import type { SsoExchangeService } from "../sso/sso-exchange.service";
import type { SyncService } from "../sync/sync.service";
import type { MemberEditor } from "../imports/member-editor";
import type { Clock } from "../time/clock";
import type { WritebackService } from "../writeback/writeback.service";
import { createLoaders, type Loaders } from "./loaders";
import type { Viewer } from "../auth/viewer";
import { MemberVisibility } from "./visibility";

/** What resolvers may reach beyond loaders: built once by the app, shared by every request. */
export interface GraphServices {
  dataSource: DataSource;
  clock: Clock;
  logger: Logger;
  sync: SyncService;
  /** Hand edits of members (AMS_SOURCE=spreadsheet). */
  memberEditor: MemberEditor;
  sso: SsoExchangeService;
  sessions: SessionTokens;
  /** Which rosters are open to every member. */
  directory: DirectoryConfig;
  /** Who may read the subgraph schema. */
  federation: FederationConfig;
  /** Completions from learning systems, and their writeback to the AMS. */
  writeback: WritebackService;
  /** What subscriptions read: the pub/sub sync and writeback publish into. */
  pubSub: GraphPubSub;
}

/** A graphql-ws connection, for `renewSession` to extend in place. */
export interface ConnectionSession {
  readonly viewer: Viewer;
  /** Replaces the connection's credentials (same member) and re-arms its expiry. */
  adopt(viewer: Viewer): void;
}

/** Where the request came from. */
export interface RequestOrigin {
  clientAddress: string;
  /** Set for operations on a WebSocket connection. */
  connection?: ConnectionSession;
  /** The `x-gateway-key` an HTTP request presented: a federation gateway reading `_service`. */
  gatewayKey?: string;
}

/** Per operation: who asks, and loaders that live exactly as long as this operation. */
export interface GraphContext {
  requestId: string;
  readonly viewer: Viewer;
  /** Who may see which member, for this operation's (current) viewer. */
  readonly visibility: MemberVisibility;
  loaders: Loaders;
  services: GraphServices;
  origin: RequestOrigin;
  /**
   * New, empty loaders. A subscription keeps one context for its whole life; each event it
   * delivers must read the cache as it is now, not as the first event found it.
   */
  refreshLoaders(): void;
}

export function createContext(services: GraphServices, viewer: Viewer, requestId: string, origin: RequestOrigin): GraphContext {
  // On a WebSocket the connection's viewer can be renewed mid-flight; every operation sees the current one.
  const current = () => origin.connection?.viewer ?? viewer;
  const visibility = new MemberVisibility(current, services.directory, () => services.clock.today());
  const newLoaders = () => createLoaders(services.dataSource, visibility);
  return {
    requestId,
    get viewer() {
      return current();
    },
    visibility,
    loaders: newLoaders(),
    services,
    origin,
    refreshLoaders() {
      this.loaders = newLoaders();
    },
  };
}
