import type { EnvReader } from "./env-readers";
import { type PurchaseRules, readPurchaseRules } from "./purchase-rules.config";
import type { SourceKind } from "./source.config";

/** Which communities are kept: a type, or a type and sub-type. Empty keeps every community. */
export interface CommunityTypeRule {
  type: string;
  subType: string | null;
}

export interface SyncConfig {
  /** Off: this process serves the graph only (another process runs the scheduler and workers). */
  enabled: boolean;
  refreshIntervalMs: number;
  eventRefreshIntervalMs: number;
  /** Read the members cursor this much earlier, for clock skew between AMS writers. */
  cursorOverlapMs: number;
  concurrency: number;
  batchSize: number;
  /**
   * Most members a worker claims when the queue holds more due rows than the workers' batches
   * take at once (a backlog): fewer, larger batches, each paying its claim, settling and run
   * bookkeeping once. Never below `batchSize`.
   */
  backlogBatchSize: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  leaseMs: number;
  /** How long the leader (who polls and sweeps) holds its lease without renewing. */
  leaderLeaseMs: number;
  /** How often an idle worker looks for work queued by other processes or due after backoff. */
  queuePollMs: number;
  expirySweepIntervalMs: number;
  runRetentionMs: number;
  /** Longest a `refreshMember(wait: true)` or a sign-on of an unknown member waits. */
  waitTimeoutMs: number;
  rules: SyncRules;
}

/** What a member refresh keeps and how it derives status; part of every content hash. */
export interface SyncRules {
  /** Member types that may use the site; empty allows all. Others are DISABLED. */
  allowedMemberTypes: string[];
  communityTypes: CommunityTypeRule[];
  /** Member types whose holders are not members (their type group grants no member status). */
  nonMemberTypes: string[];
  /** AMS security groups (key or name) whose current members hold member status. */
  memberStatusGroups: string[];
  /** Groups (key, name or member type) whose current members are STAFF. */
  staffGroups: string[];
  /** Groups (key, name or member type) whose current members are ADMIN. */
  adminGroups: string[];
  /** Product codes whose purchase grants a community or group membership (`PURCHASE_RULES`). */
  purchases: PurchaseRules;
}

function readCommunityTypes(read: EnvReader): CommunityTypeRule[] {
  return read.list("SYNC_COMMUNITY_TYPES").map((entry) => {
    const [type, subType] = entry.split("/").map((part) => part.trim());
    return { type: type ?? entry, subType: subType ? subType : null };
  });
}

export function readSyncConfig(read: EnvReader, sourceKind: SourceKind): SyncConfig {
  const concurrency = read.int("REFRESH_CONCURRENCY", 2, 1, 64);
  const batchSize = read.int("REFRESH_BATCH_SIZE", 200, 1, 1_000);
  // Scales with the batch size: one lowered for a slow AMS or a short lease keeps backlog claims small.
  const backlogBatchSize = read.int("REFRESH_BACKLOG_BATCH_SIZE", Math.min(1_000, Math.ceil(batchSize * 2.5)), 1, 1_000);
  return {
    enabled: read.bool("SYNC_ENABLED", true),
    // The demo moves fast so a new user sees it work; a real AMS is asked every half hour.
    refreshIntervalMs: read.durationMs("REFRESH_INTERVAL", sourceKind === "demo" ? 15_000 : 30 * 60_000, 1_000),
    eventRefreshIntervalMs: read.durationMs("EVENT_REFRESH_INTERVAL", 24 * 60 * 60_000, 1_000),
    cursorOverlapMs: read.durationMs("REFRESH_CURSOR_OVERLAP", 2 * 60_000),
    concurrency,
    batchSize,
    backlogBatchSize: Math.max(batchSize, backlogBatchSize),
    maxAttempts: read.int("REFRESH_MAX_ATTEMPTS", 5, 1, 100),
    backoffBaseMs: read.durationMs("REFRESH_BACKOFF_BASE", 30_000),
    backoffMaxMs: read.durationMs("REFRESH_BACKOFF_MAX", 60 * 60_000),
    leaseMs: read.durationMs("REFRESH_LEASE", 2 * 60_000, 100),
    leaderLeaseMs: read.durationMs("LEADER_LEASE", 30_000, 1_000),
    queuePollMs: read.durationMs("REFRESH_QUEUE_POLL", 2_000, 10),
    expirySweepIntervalMs: read.durationMs("EXPIRY_SWEEP_INTERVAL", 60 * 60_000, 1_000),
    runRetentionMs: read.durationMs("SYNC_RUN_RETENTION", 7 * 24 * 60 * 60_000, 60_000),
    waitTimeoutMs: read.durationMs("SYNC_WAIT_TIMEOUT", 15_000, 10),
    rules: {
      allowedMemberTypes: read.list("SYNC_ALLOWED_MEMBER_TYPES"),
      communityTypes: readCommunityTypes(read),
      nonMemberTypes: read.raw("SYNC_NON_MEMBER_TYPES") === undefined ? ["Non-member"] : read.list("SYNC_NON_MEMBER_TYPES"),
      memberStatusGroups: read.list("SYNC_MEMBER_STATUS_GROUPS"),
      staffGroups: read.raw("SYNC_STAFF_GROUPS") === undefined ? ["Staff"] : read.list("SYNC_STAFF_GROUPS"),
      adminGroups: read.list("SYNC_ADMIN_GROUPS"),
      purchases: readPurchaseRules(read),
    },
  };
}
