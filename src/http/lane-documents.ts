import type { DocumentNode, GraphQLSchema } from "graphql";
import type { TierPolicy } from "../graph/operation-limits";

/** Documents kept per tier, and the source text they may hold between them. */
const MAX_DOCUMENTS = 500;
const MAX_SOURCE_BYTES = 1024 * 1024;
/** A longer document is not kept: the lane hands it to Apollo, whose store sizes what it keeps. */
const MAX_KEPT_SOURCE = 64 * 1024;

/** A document that failed to parse or validate for the tier: Apollo answers it, with its errors. */
const REFUSED = Symbol("refused");

/**
 * Parsed and validated documents by source text, for one tier's limits (as Apollo keeps one store
 * per server): a document is parsed and validated once, and a refused one is remembered as
 * refused, so a client repeating a bad document costs a lookup before Apollo answers it. Bounded
 * by count and by source bytes; the least recently used goes first.
 */
export class LaneDocuments {
  private readonly entries = new Map<string, DocumentNode | typeof REFUSED>();
  private sourceBytes = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly tier: TierPolicy,
  ) {}

  /** The valid document for `source`, or undefined when it is refused or too long to keep. */
  documentFor(source: string): DocumentNode | undefined {
    const cached = this.entries.get(source);
    if (cached !== undefined) {
      this.entries.delete(source);
      this.entries.set(source, cached);
      return cached === REFUSED ? undefined : cached;
    }
    if (source.length > MAX_KEPT_SOURCE) return undefined;
    const entry = this.check(source);
    this.keep(source, entry);
    return entry === REFUSED ? undefined : entry;
  }

  private check(source: string): DocumentNode | typeof REFUSED {
    try {
      const parsed = this.tier.parse(source);
      if (Array.isArray(parsed)) return REFUSED;
      return this.tier.validate(this.schema, parsed).length > 0 ? REFUSED : parsed;
    } catch {
      // Anything else the parser or a rule throws is Apollo's to answer, in its words.
      return REFUSED;
    }
  }

  private keep(source: string, entry: DocumentNode | typeof REFUSED): void {
    this.entries.set(source, entry);
    this.sourceBytes += source.length;
    while (this.entries.size > MAX_DOCUMENTS || this.sourceBytes > MAX_SOURCE_BYTES) {
      const oldest = this.entries.keys().next().value!;
      this.entries.delete(oldest);
      this.sourceBytes -= oldest.length;
    }
  }
}
