import type { DataSource } from "typeorm";
import type { Logger } from "../observability/logger";
import type { Clock } from "../time/clock";
import { createLoaders, type Loaders } from "./loaders";
import type { Viewer } from "./viewer";

/** What resolvers may reach beyond loaders: built once by the app, shared by every request. */
export interface GraphServices {
  dataSource: DataSource;
  clock: Clock;
  logger: Logger;
}

/** Per operation: who asks, and loaders that live exactly as long as this operation. */
export interface GraphContext {
  requestId: string;
  viewer: Viewer;
  loaders: Loaders;
  services: GraphServices;
}

export function createContext(services: GraphServices, viewer: Viewer, requestId: string): GraphContext {
  return { requestId, viewer, loaders: createLoaders(services.dataSource), services };
}
