import { ArrayMaxSize, ArrayMinSize } from "class-validator";
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from "type-graphql";
import { toSnapshot } from "../../sync/run-ledger";
import type { MemberChangeEvent } from "../../sync/member-change";
import { SYNC_TOPICS, type QueueState, type SyncRunSnapshot } from "../../sync/sync-events";
import { MAX_KEYS_PER_REQUEST } from "../../sync/sync.service";
import { SyncError, SyncErrorCode } from "../../sync/sync.error";
import type { GraphContext } from "../context";
import { topicSubscription } from "../topic-subscription";
import { toMember } from "../member/member.mapper";
import { Member } from "../member/member.type";
import type { PageOf } from "../pagination/connection.types";
import { mapPage } from "../pagination/map-page";
import { PageArgs } from "../pagination/page.args";
import { Role } from "../../auth/viewer";
import { toMemberChange, toQueueState, toRefreshFailure, toSyncCursor, toSyncRun } from "./sync.mapper";
import { pageRefreshFailures, pageSyncRuns } from "./sync.queries";
import {
  MemberChange,
  RefreshFailure,
  RefreshFailureConnection,
  RefreshMemberPayload,
  RefreshQueueState,
  SyncRun,
  SyncRunConnection,
  SyncStatus,
} from "./sync.types";

@ArgsType()
class KeysArgs {
  @Field(() => [ID], { description: `Member keys, at most ${MAX_KEYS_PER_REQUEST}.` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_KEYS_PER_REQUEST)
  keys!: string[];
}

/** Sync status, runs and dead letters; the admin mutations; progress subscriptions (all ADMIN). */
@Resolver()
export class SyncResolver {
  @Authorized(Role.ADMIN)
  @Query(() => SyncStatus, { description: "The refresh queue, the cursors and the runs in progress." })
  async syncStatus(@Ctx() ctx: GraphContext): Promise<SyncStatus> {
    const status = await ctx.services.sync.status();
    return Object.assign(new SyncStatus(), {
      pendingRefreshCount: status.pending,
      deadLetterCount: status.deadLetters,
      lastSuccessfulPollAt: status.lastSuccessfulPollAt,
      cursors: status.cursors.map((cursor) => toSyncCursor(cursor as never)),
      running: status.running.map(toSyncRun),
      leader: status.leader,
    });
  }

  @Authorized(Role.ADMIN)
  @Query(() => SyncRunConnection, { description: "Sync runs, newest first." })
  async syncRuns(@Args() page: PageArgs, @Ctx() ctx: GraphContext): Promise<PageOf<SyncRun>> {
    return mapPage(await pageSyncRuns(ctx.services.dataSource, page), (run) => toSyncRun(toSnapshot(run)));
  }

  @Authorized(Role.ADMIN)
  @Query(() => SyncRun, { nullable: true })
  async syncRun(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext): Promise<SyncRun | null> {
    const run = await ctx.services.sync.run(id);
    return run ? toSyncRun(run) : null;
  }

  @Authorized(Role.ADMIN)
  @Query(() => RefreshFailureConnection, { description: "Dead letters: members whose refresh failed every attempt, newest first." })
  async refreshFailures(@Args() page: PageArgs, @Ctx() ctx: GraphContext): Promise<PageOf<RefreshFailure>> {
    return mapPage(await pageRefreshFailures(ctx.services.dataSource, page), toRefreshFailure);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => RefreshMemberPayload, {
    description: "Refreshes one member now. With wait: true, answers after the refresh (bounded wait) with the member as cached.",
  })
  async refreshMember(
    @Arg("key", () => ID) key: string,
    @Arg("wait", { defaultValue: false }) wait: boolean,
    @Ctx() ctx: GraphContext,
  ): Promise<RefreshMemberPayload> {
    const run = await ctx.services.sync.refreshMember(key, { wait });
    ctx.loaders.member.clear(key);
    return Object.assign(new RefreshMemberPayload(), { run: toSyncRun(run), memberKey: key, blocked: wait ? (run.blocked ?? null) : null });
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => SyncRun, { description: "Queues these members for refresh." })
  async refreshMembers(@Args() { keys }: KeysArgs, @Ctx() ctx: GraphContext): Promise<SyncRun> {
    return toSyncRun(await ctx.services.sync.refreshMembers(keys));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => SyncRun, { description: "Queues every member the cache lists in the community." })
  async refreshCommunity(@Arg("communityKey", () => ID) communityKey: string, @Ctx() ctx: GraphContext): Promise<SyncRun> {
    return toSyncRun(await ctx.services.sync.refreshCommunity(communityKey));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => SyncRun, { description: "Polls the AMS for changes now instead of at the next interval." })
  async runPeriodicRefresh(@Ctx() ctx: GraphContext): Promise<SyncRun> {
    return toSyncRun(await ctx.services.sync.runPeriodicRefresh());
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => SyncRun, { description: "Re-reads every member the AMS lists and every cached one." })
  async fullResync(@Ctx() ctx: GraphContext): Promise<SyncRun> {
    return toSyncRun(await ctx.services.sync.fullResync());
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => SyncRun, { description: "Puts dead letters back in the queue: the named ones, or all." })
  async retryRefreshFailures(
    @Arg("keys", () => [ID], { nullable: true }) keys: string[] | null,
    @Ctx() ctx: GraphContext,
  ): Promise<SyncRun> {
    return toSyncRun(await ctx.services.sync.retryRefreshFailures(keys));
  }

  @Authorized(Role.ADMIN)
  @Subscription(() => SyncRun, {
    subscribe: topicSubscription<SyncRunSnapshot, { runId?: string | null }>(
      SYNC_TOPICS.run,
      ({ payload, args }) => !args.runId || payload.id === args.runId,
    ),
    description: "A run at every change of its status or counts; without runId, every run.",
  })
  syncProgress(@Root() run: SyncRunSnapshot, @Arg("runId", () => ID, { nullable: true }) _runId: string | null): SyncRun {
    return toSyncRun(run);
  }

  @Authorized(Role.ADMIN)
  @Subscription(() => RefreshQueueState, { topics: SYNC_TOPICS.queue, description: "The queue's size as it moves." })
  refreshQueue(@Root() state: QueueState): RefreshQueueState {
    return toQueueState(state);
  }

  @Authorized(Role.ADMIN)
  @Subscription(() => MemberChange, {
    subscribe: topicSubscription<MemberChangeEvent, { key?: string | null }>(
      SYNC_TOPICS.member,
      ({ payload, args }) => !args.key || payload.memberKey === args.key,
    ),
    description: "What each refresh changed: fields, memberships added and removed. Without key, every member.",
  })
  memberChanged(
    @Root() change: MemberChangeEvent,
    @Arg("key", () => ID, { nullable: true }) _key: string | null,
    @Ctx() ctx: GraphContext,
  ): MemberChange {
    ctx.refreshLoaders();
    return toMemberChange(change);
  }
}

@Resolver(() => RefreshFailure)
export class RefreshFailureResolver {
  @FieldResolver(() => Member, { nullable: true, description: "The member as cached, if it ever was." })
  async member(@Root() failure: RefreshFailure, @Ctx() ctx: GraphContext): Promise<Member | null> {
    const entity = await ctx.loaders.member.load(failure.memberKey);
    return entity ? toMember(entity) : null;
  }
}

@Resolver(() => RefreshMemberPayload)
export class RefreshMemberPayloadResolver {
  @FieldResolver(() => Member, { nullable: true, description: "The member as cached now (with wait: true, after the refresh)." })
  async member(@Root() payload: RefreshMemberPayload, @Ctx() ctx: GraphContext): Promise<Member | null> {
    // The run is still answered; the member field says the refresh could not happen.
    if (payload.blocked) {
      throw new SyncError(
        SyncErrorCode.SOURCE_UNAVAILABLE,
        `The AMS is unavailable (${payload.blocked.message}); the refresh stays queued and is retried`,
      );
    }
    const entity = await ctx.loaders.member.load(payload.memberKey);
    return entity ? toMember(entity) : null;
  }
}

@Resolver(() => MemberChange)
export class MemberChangeResolver {
  @FieldResolver(() => Member, { nullable: true, description: "The member as cached now." })
  async member(@Root() change: MemberChange, @Ctx() ctx: GraphContext): Promise<Member | null> {
    const entity = await ctx.loaders.member.load(change.key);
    return entity ? toMember(entity) : null;
  }
}
