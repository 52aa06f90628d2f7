import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { WRITEBACK_STATUSES } from "../../db/entities/writeback-outbox.entity";
import { enumOf } from "../enum-of";
import { DateTimeScalar } from "../scalars";

export const WritebackStatus = enumOf(WRITEBACK_STATUSES);
registerEnumType(WritebackStatus, {
  name: "WritebackStatus",
  description:
    "PENDING: waiting to be sent (again, after a failure, at nextAttemptAt). SENDING: a gateway process is sending it now. " +
    "SENT: the AMS took it. DEAD: every attempt failed; retryWritebackFailures sends it again.",
});

export const RecordOutcome = enumOf(["ACCEPTED", "REPLAYED", "REFUSED"] as const);
registerEnumType(RecordOutcome, {
  name: "RecordOutcome",
  description:
    "ACCEPTED: committed now. REPLAYED: this idempotencyKey was recorded before with the same content; nothing changed. REFUSED: see error.",
});

export const CompletionErrorCode = enumOf(["INVALID_INPUT", "MEMBER_NOT_FOUND", "IDEMPOTENCY_CONFLICT"] as const);
registerEnumType(CompletionErrorCode, {
  name: "CompletionErrorCode",
  description:
    "INVALID_INPUT: a field is missing, malformed or out of range. MEMBER_NOT_FOUND: no cached member has memberKey. " +
    "IDEMPOTENCY_CONFLICT: idempotencyKey was used before for other content.",
});

@InputType({ description: "One completion from a learning system." })
export class CompletionInput {
  @Field(() => ID, { description: "The AMS member key." }) memberKey!: string;
  @Field(() => ID, { description: "The LMS's key of the course or activity." }) activityKey!: string;
  @Field({ description: "At most 500 characters." }) title!: string;
  @Field(() => DateTimeScalar) completedAt!: Date;
  @Field(() => Float, { nullable: true, description: "0 to 10,000." }) credits?: number | null;
  @Field(() => String, { nullable: true, description: "What the credits are, e.g. CEU or CPE; needs credits." }) creditType?: string | null;
  @Field(() => ID, {
    description: "Unique per completion (at most 100 characters): sending it again is safe. The AMS receives it too and keeps one per key.",
  })
  idempotencyKey!: string;
}

@ObjectType({ simpleResolvers: true, description: "Where a completion's writeback to the AMS stands." })
export class CompletionWriteback {
  @Field(() => WritebackStatus) status!: string;
  @Field(() => Int, { description: "Sends begun so far." }) attempts!: number;
  @Field(() => String, {
    nullable: true,
    description: "Why the last send failed (TEMPORARY, CONTRACT_VIOLATION, NOT_FOUND, LEASE_LOST, …).",
  })
  lastErrorCode!: string | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: "PENDING: the next send; SENDING: when the sender's lease runs out." })
  nextAttemptAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) sentAt!: Date | null;
  @Field(() => DateTimeScalar) updatedAt!: Date;
}

@ObjectType({
  simpleResolvers: true,
  description: "A completion a learning system recorded through amsgate, and its writeback to the AMS.",
})
export class RecordedCompletion {
  @Field(() => ID) idempotencyKey!: string;
  @Field(() => ID) memberKey!: string;
  @Field(() => ID) activityKey!: string;
  @Field() title!: string;
  @Field(() => DateTimeScalar) completedAt!: Date;
  @Field(() => Float, { nullable: true }) credits!: number | null;
  @Field(() => String, { nullable: true }) creditType!: string | null;
  @Field(() => DateTimeScalar, { description: "When amsgate committed it." }) acceptedAt!: Date;
  @Field(() => CompletionWriteback) writeback!: CompletionWriteback;
}

@ObjectType({ simpleResolvers: true })
export class CompletionError {
  @Field(() => CompletionErrorCode) code!: string;
  @Field() message!: string;
}

@ObjectType({ simpleResolvers: true, description: "One input of recordCompletions, in the order sent." })
export class RecordCompletionResult {
  @Field(() => ID, { description: "As sent (empty when it was missing)." }) idempotencyKey!: string;
  @Field(() => RecordOutcome) outcome!: string;
  @Field(() => RecordedCompletion, { nullable: true }) completion!: RecordedCompletion | null;
  @Field(() => CompletionError, { nullable: true }) error!: CompletionError | null;
}

@ObjectType({ simpleResolvers: true })
export class WritebackQueueState {
  @Field(() => Int, { description: "Completions waiting to be sent or being sent." }) pendingCount!: number;
  @Field(() => Int, { description: "Completions in the dead letters (see writebackFailures)." }) deadLetterCount!: number;
}
