import type { PageOf } from "./connection.types";

/** Maps a page of entities to a page of GraphQL objects, keeping cursors and counts. */
export function mapPage<From, To>(page: PageOf<From>, map: (node: From) => To): PageOf<To> {
  return { ...page, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: map(edge.node) })) };
}
