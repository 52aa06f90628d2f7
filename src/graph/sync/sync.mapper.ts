import type { RefreshFailureEntity } from "../../db/entities/refresh-failure.entity";
import type { SyncCursorEntity } from "../../db/entities/sync-cursor.entity";
import type { MemberChangeEvent } from "../../sync/member-change";
import type { QueueState, SyncRunSnapshot } from "../../sync/sync-events";
import { MemberChange, RefreshFailure, RefreshQueueState, SyncCursor, SyncRun } from "./sync.types";

export const toSyncRun = (run: SyncRunSnapshot): SyncRun =>
  Object.assign(new SyncRun(), {
    ...run,
    startedAt: new Date(run.startedAt),
    finishedAt: run.finishedAt ? new Date(run.finishedAt) : null,
  });

export const toSyncCursor = (cursor: SyncCursorEntity): SyncCursor =>
  Object.assign(new SyncCursor(), {
    stream: cursor.stream,
    cursor: cursor.cursor,
    lastPolledAt: cursor.lastPolledAt,
    lastSuccessfulPollAt: cursor.lastSuccessfulPollAt,
    lastError: cursor.lastError,
  });

export const toRefreshFailure = (failure: RefreshFailureEntity): RefreshFailure =>
  Object.assign(new RefreshFailure(), {
    memberKey: failure.memberKey,
    reason: failure.reason,
    attempts: failure.attempts,
    errorCode: failure.errorCode,
    lastError: failure.lastError,
    enqueuedAt: failure.enqueuedAt,
    failedAt: failure.failedAt,
  });

export const toQueueState = (state: QueueState): RefreshQueueState =>
  Object.assign(new RefreshQueueState(), { pendingCount: state.pending, deadLetterCount: state.deadLetters });

export const toMemberChange = (change: MemberChangeEvent): MemberChange =>
  Object.assign(new MemberChange(), {
    key: change.memberKey,
    kind: change.kind,
    changedFields: change.changedFields,
    communitiesAdded: change.communitiesAdded,
    communitiesRemoved: change.communitiesRemoved,
    communitiesChanged: change.communitiesChanged ?? [],
    securityGroupsAdded: change.securityGroupsAdded,
    securityGroupsRemoved: change.securityGroupsRemoved,
    securityGroupsChanged: change.securityGroupsChanged ?? [],
    at: new Date(change.at),
  });
