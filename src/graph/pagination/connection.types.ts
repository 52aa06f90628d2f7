import { Directive, Field, Int, ObjectType } from "type-graphql";

/** Every subgraph of a federated graph may define the same page shapes (Apollo Federation 2). */
const SHAREABLE = "@shareable";

@Directive(SHAREABLE)
@ObjectType({ simpleResolvers: true, description: "Where a page sits in its list (Relay cursor connections)." })
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field() hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

/** Counting is a second statement, so it runs only when a client asks for `totalCount`. */
export type CountThunk = () => Promise<number>;

export interface PageOf<Node> {
  edges: Array<{ cursor: string; node: Node }>;
  pageInfo: PageInfo;
  count: CountThunk;
}

/** Builds the connection and edge types for one node type. */
export function connectionTypes<Node>(nodeType: new () => Node, name: string) {
  @Directive(SHAREABLE)
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field() cursor!: string;
    @Field(() => nodeType) node!: Node;
  }

  @Directive(SHAREABLE)
  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class Connection implements PageOf<Node> {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
    count!: CountThunk;

    @Field(() => Int, { description: "How many match, across all pages." })
    totalCount(): Promise<number> {
      return this.count();
    }
  }

  return { Edge, Connection };
}

/**
 * Turns the rows of a `first + 1` query into a page: the extra row only tells whether
 * another page exists.
 */
export function toPage<Row, Node>(
  rows: Row[],
  first: number,
  after: string | null | undefined,
  cursorOf: (row: Row) => string,
  nodeOf: (row: Row) => Node,
  totalCount: CountThunk,
): PageOf<Node> {
  const pageRows = rows.slice(0, first);
  const edges = pageRows.map((row) => ({ cursor: cursorOf(row), node: nodeOf(row) }));
  return {
    edges,
    count: totalCount,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: after !== null && after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
