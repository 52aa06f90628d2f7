/** What went wrong with a GraphQL request itself, before or beside any domain work. */
export enum GraphErrorCode {
  /** An argument is malformed or out of range (bad cursor, page too large, bad date). */
  BAD_USER_INPUT = "BAD_USER_INPUT",
  /** The request carried no valid credentials where they are needed, or bad ones. */
  UNAUTHENTICATED = "UNAUTHENTICATED",
  /** Valid credentials that may not do this. */
  FORBIDDEN = "FORBIDDEN",
  /** A subscription whose client read its events too slowly was ended (see topic-fanout). */
  SUBSCRIBER_TOO_SLOW = "SUBSCRIBER_TOO_SLOW",
}

export class GraphError extends Error {
  constructor(
    readonly code: GraphErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "GraphError";
  }

  static badInput(message: string): GraphError {
    return new GraphError(GraphErrorCode.BAD_USER_INPUT, message);
  }
}
