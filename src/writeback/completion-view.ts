import type { CompletionEntity } from "../db/entities/completion.entity";
import type { WritebackOutboxEntity, WritebackStatusValue } from "../db/entities/writeback-outbox.entity";

/**
 * A completion with where its writeback stands, as read and as published: JSON-safe (instants as
 * ISO strings) so it crosses Redis unchanged.
 */
export interface CompletionView {
  idempotencyKey: string;
  memberKey: string;
  activityKey: string;
  title: string;
  completedAt: string;
  credits: number | null;
  creditType: string | null;
  acceptedAt: string;
  status: WritebackStatusValue;
  attempts: number;
  lastErrorCode: string | null;
  lastError: string | null;
  /** PENDING: when it is sent next; SENDING: when the sender's lease runs out. */
  nextAttemptAt: string | null;
  sentAt: string | null;
  updatedAt: string;
}

export function toCompletionView(completion: CompletionEntity, outbox: WritebackOutboxEntity): CompletionView {
  const settled = outbox.status === "SENT" || outbox.status === "DEAD";
  return {
    idempotencyKey: completion.idempotencyKey,
    memberKey: completion.memberKey,
    activityKey: completion.activityKey,
    title: completion.title,
    completedAt: completion.completedAt.toISOString(),
    credits: completion.credits === null ? null : Number(completion.credits),
    creditType: completion.creditType,
    acceptedAt: completion.acceptedAt.toISOString(),
    status: outbox.status,
    attempts: outbox.attempts,
    lastErrorCode: outbox.lastErrorCode,
    lastError: outbox.lastError,
    nextAttemptAt: settled ? null : outbox.nextAttemptAt.toISOString(),
    sentAt: outbox.sentAt?.toISOString() ?? null,
    updatedAt: outbox.updatedAt.toISOString(),
  };
}
