import { enumOf } from "../enum-of";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { SYNC_RUN_KINDS, SYNC_RUN_STATUSES } from "../../db/entities/sync-run.entity";
import { connectionTypes } from "../pagination/connection.types";
import { DateTimeScalar } from "../scalars";

export const SyncRunKind = enumOf(SYNC_RUN_KINDS);
registerEnumType(SyncRunKind, {
  name: "SyncRunKind",
  description:
    "PERIODIC: the changed-since poll. EVENTS: the events poll. MANUAL: refreshMember(s). COMMUNITY: refreshCommunity. " +
    "FULL: fullResync. RETRY: retryRefreshFailures. LOGIN: a sign-on's refresh. SWEEP: the expiry sweep. " +
    "PUSH: records pushed to /push/v1/members. WEBHOOK: keys named by a signed change webhook. IMPORT: a CSV import.",
});

export const SyncRunStatus = enumOf(SYNC_RUN_STATUSES);
registerEnumType(SyncRunStatus, {
  name: "SyncRunStatus",
  description: "SUCCEEDED: nothing failed. PARTIAL: some members failed. FAILED: the run could not do its work.",
});

export const MemberChangeKind = enumOf(["CREATED", "UPDATED", "DISABLED"] as const);
registerEnumType(MemberChangeKind, { name: "MemberChangeKind" });

@ObjectType({ simpleResolvers: true, description: "One sync run and its counts." })
export class SyncRun {
  @Field(() => ID) id!: string;
  @Field(() => SyncRunKind) kind!: string;
  @Field(() => SyncRunStatus) status!: string;
  @Field(() => String, { nullable: true, description: "What the run was about, or why it failed." }) detail!: string | null;
  @Field(() => DateTimeScalar) startedAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) finishedAt!: Date | null;
  @Field(() => Int, { description: "Changes the AMS reported (or members asked for)." }) discovered!: number;
  @Field(() => Int, { description: "Members this run put in the refresh queue." }) queued!: number;
  @Field(() => Int, { description: "Members whose cached data changed (or that were disabled)." }) refreshed!: number;
  @Field(() => Int, { description: "Members re-read with nothing changed." }) unchanged!: number;
  @Field(() => Int, { description: "Members that ended in the dead letters." }) failed!: number;
}

@ObjectType({ simpleResolvers: true })
export class SyncCursor {
  @Field({ description: "members or events" }) stream!: string;
  @Field(() => String, { nullable: true, description: "The newest AMS change time read (ISO-8601)." }) cursor!: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) lastPolledAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) lastSuccessfulPollAt!: Date | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class SyncStatus {
  @Field(() => Int, { description: "Members waiting in the refresh queue." }) pendingRefreshCount!: number;
  @Field(() => Int, { description: "Members in the dead letters (see refreshFailures)." }) deadLetterCount!: number;
  @Field(() => DateTimeScalar, { nullable: true }) lastSuccessfulPollAt!: Date | null;
  @Field(() => [SyncCursor]) cursors!: SyncCursor[];
  @Field(() => [SyncRun], { description: "Runs in progress, newest first." }) running!: SyncRun[];
  @Field(() => String, {
    nullable: true,
    description: "The gateway process that polls the AMS and sweeps (host:pid:id); null while none holds the leader lease.",
  })
  leader!: string | null;
}

@ObjectType({ simpleResolvers: true, description: "The refresh queue's size as it moves." })
export class RefreshQueueState {
  @Field(() => Int) pendingCount!: number;
  @Field(() => Int) deadLetterCount!: number;
}

@ObjectType({ simpleResolvers: true, description: "A member whose refresh failed every attempt; retry with retryRefreshFailures." })
export class RefreshFailure {
  @Field(() => ID) memberKey!: string;
  @Field() reason!: string;
  @Field(() => Int) attempts!: number;
  @Field() errorCode!: string;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => DateTimeScalar) enqueuedAt!: Date;
  @Field(() => DateTimeScalar) failedAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: "A membership a change names." })
export class MembershipChange {
  @Field(() => ID, { description: "The community or security group key." }) key!: string;
  @Field(() => String, { nullable: true }) role!: string | null;
}

@ObjectType({ simpleResolvers: true, description: "What one refresh changed for one member." })
export class MemberChange {
  @Field(() => ID) key!: string;
  @Field(() => MemberChangeKind) kind!: string;
  @Field(() => [String]) changedFields!: string[];
  @Field(() => [MembershipChange]) communitiesAdded!: MembershipChange[];
  @Field(() => [MembershipChange]) communitiesRemoved!: MembershipChange[];
  @Field(() => [MembershipChange], { description: "Communities still held, with a new role or term." })
  communitiesChanged!: MembershipChange[];
  @Field(() => [MembershipChange]) securityGroupsAdded!: MembershipChange[];
  @Field(() => [MembershipChange]) securityGroupsRemoved!: MembershipChange[];
  @Field(() => [MembershipChange], { description: "Security groups still held, with a new role or term." })
  securityGroupsChanged!: MembershipChange[];
  @Field(() => DateTimeScalar) at!: Date;
}

@ObjectType({ simpleResolvers: true })
export class RefreshMemberPayload {
  @Field(() => SyncRun) run!: SyncRun;
  /** Whose refresh this is; `member` reads it through the request's loaders. */
  memberKey!: string;
  /** Set when the AMS was unavailable for the refresh: `member` answers SOURCE_UNAVAILABLE. */
  blocked!: { code: string; message: string } | null;
}

export const { Connection: SyncRunConnection } = connectionTypes(SyncRun, "SyncRun");
export const { Connection: RefreshFailureConnection } = connectionTypes(RefreshFailure, "RefreshFailure");
