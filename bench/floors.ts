/**
 * The floors `npm run bench -- --check` holds every run to (issue 15), in one place: the report
 * marks each figure met or missed against these, and `--check` exits non-zero when one is missed.
 * Ratios are of medians across repetitions, against the baseline measured in the same run.
 */
export const FLOORS = {
  read: {
    /** amsgate's req/s over the graphql-js + mysql2 baseline's, at each of these client counts. */
    minThroughputRatio: 0.8,
    /** amsgate's p99 over the baseline's, at the same client counts. */
    maxP99Ratio: 1.5,
    concurrency: [1, 16, 64],
    /** SQL statements a page costs amsgate: the page and its three nested lists. */
    statementsPerRequest: 4,
  },
  write: {
    /** Full load (pre-generated records, the write path alone) over raw multi-row upserts, at every size. */
    minFullLoadRatio: 0.6,
    /** Incremental refresh of the changed members (source time subtracted) over the raw replace-set, at the first size. */
    minIncrementalRatio: 0.8,
    /** Peak RSS of a demo-source full load at or above `peakRssFromMembers` members. */
    maxPeakRssMb: 300,
    peakRssFromMembers: 100_000,
  },
  subscriptions: {
    /** Publish-to-receipt p99, in every repetition (not only the median). */
    maxP99Ms: 100,
  },
} as const;
