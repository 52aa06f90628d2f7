import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import { Role } from "../../auth/viewer";
import type { CompletionView } from "../../writeback/completion-view";
import { WRITEBACK_TOPIC } from "../../writeback/writeback-events";
import { MAX_DEAD_LETTERS_LISTED } from "../../writeback/writeback.service";
import type { GraphContext } from "../context";
import { topicSubscription } from "../topic-subscription";
import { GraphError, GraphErrorCode } from "../graph.error";
import { toMember } from "../member/member.mapper";
import { Member } from "../member/member.type";
import { canSeeCompletions } from "../visibility";
import { toCompletion, toRecordResult } from "./completion.mapper";
import { RecordedCompletion, CompletionInput, RecordCompletionResult, WritebackQueueState } from "./completion.types";

/** The most inputs the schema lets through; the configured WRITEBACK_MAX_BATCH may be lower. */
const SCHEMA_MAX_BATCH = 1_000;

/** Learning systems record completions; members, admins and the LMS read them; admins retry dead letters. */
@Resolver(() => RecordedCompletion)
export class CompletionResolver {
  @Authorized(Role.LMS, Role.ADMIN)
  @Mutation(() => RecordedCompletion, {
    description:
      "Records one completion for writeback to the AMS (LMS keys and admins). Accepted means committed; the same idempotencyKey with the same content answers the same completion again.",
  })
  async recordCompletion(
    @Arg("input", () => CompletionInput) input: CompletionInput,
    @Ctx() ctx: GraphContext,
  ): Promise<RecordedCompletion> {
    const [result] = await ctx.services.writeback.record([input]);
    if (result!.outcome === "refused") throw result!.error;
    return toCompletion(result!.completion);
  }

  @Authorized(Role.LMS, Role.ADMIN)
  @Mutation(() => [RecordCompletionResult], {
    description:
      "Records many completions (at most WRITEBACK_MAX_BATCH, default 100), each judged on its own: one refused input never blocks the others. Results are in input order.",
  })
  async recordCompletions(
    @Arg("inputs", () => [CompletionInput]) inputs: CompletionInput[],
    @Ctx() ctx: GraphContext,
  ): Promise<RecordCompletionResult[]> {
    if (inputs.length > SCHEMA_MAX_BATCH)
      throw GraphError.badInput(`At most ${ctx.services.writeback.maxBatchInputs} completions per call`);
    return (await ctx.services.writeback.record(inputs)).map(toRecordResult);
  }

  @Authorized()
  @Query(() => [RecordedCompletion], {
    description: "A member's recorded completions, newest first: for the member themself, admins and LMS keys.",
  })
  async recordedCompletions(@Arg("memberKey", () => ID) memberKey: string, @Ctx() ctx: GraphContext): Promise<RecordedCompletion[]> {
    if (!canSeeCompletions(ctx.viewer, memberKey))
      throw new GraphError(GraphErrorCode.FORBIDDEN, "You may not read this member's completions");
    return (await ctx.loaders.completionsByMember.load(memberKey)).map(toCompletion);
  }

  @Authorized(Role.LMS, Role.ADMIN)
  @Query(() => RecordedCompletion, { nullable: true, description: "One completion by its idempotency key (LMS keys and admins)." })
  async recordedCompletion(
    @Arg("idempotencyKey", () => ID) idempotencyKey: string,
    @Ctx() ctx: GraphContext,
  ): Promise<RecordedCompletion | null> {
    const [view] = await ctx.services.writeback.byKeys([idempotencyKey]);
    return view ? toCompletion(view) : null;
  }

  @Authorized(Role.ADMIN)
  @Query(() => [RecordedCompletion], { description: "Dead letters: completions whose every send failed, most recently failed first." })
  async writebackFailures(
    @Arg("first", () => Int, { defaultValue: 50, description: `1 to ${MAX_DEAD_LETTERS_LISTED}.` }) first: number,
    @Ctx() ctx: GraphContext,
  ): Promise<RecordedCompletion[]> {
    if (first < 1 || first > MAX_DEAD_LETTERS_LISTED)
      throw GraphError.badInput(`first must be from 1 to ${MAX_DEAD_LETTERS_LISTED} (got ${first})`);
    return (await ctx.services.writeback.deadLetters(first)).map(toCompletion);
  }

  @Authorized(Role.ADMIN)
  @Query(() => WritebackQueueState, { description: "How many completions wait to be sent, and how many are dead letters." })
  async writebackQueue(@Ctx() ctx: GraphContext): Promise<WritebackQueueState> {
    const counts = await ctx.services.writeback.counts();
    return Object.assign(new WritebackQueueState(), { pendingCount: counts.pending, deadLetterCount: counts.dead });
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => [RecordedCompletion], {
    description: "Sends dead letters again (attempts start over): the named ones, or all. Answers those retried.",
  })
  async retryWritebackFailures(
    @Arg("idempotencyKeys", () => [ID], { nullable: true, description: "At most 1,000; none: every dead letter." }) idempotencyKeys:
      | string[]
      | null,
    @Ctx() ctx: GraphContext,
  ): Promise<RecordedCompletion[]> {
    if (idempotencyKeys && idempotencyKeys.length > SCHEMA_MAX_BATCH)
      throw GraphError.badInput(`At most ${SCHEMA_MAX_BATCH} idempotency keys per call`);
    return (await ctx.services.writeback.retryDead(idempotencyKeys)).map(toCompletion);
  }

  @Authorized()
  @Subscription(() => RecordedCompletion, {
    subscribe: topicSubscription<CompletionView, { memberKey?: string | null }>(
      WRITEBACK_TOPIC,
      ({ payload, args, context }) =>
        canSeeCompletions(context.viewer, payload.memberKey) && (!args.memberKey || payload.memberKey === args.memberKey),
    ),
    description:
      "A completion at every change of its writeback status (accepted, sending, sent, retrying, dead). Members hear their own; admins and LMS keys every member's, or memberKey's.",
  })
  writebackChanged(
    @Root() view: CompletionView,
    @Arg("memberKey", () => ID, { nullable: true }) _memberKey: string | null,
  ): RecordedCompletion {
    return toCompletion(view);
  }

  @FieldResolver(() => Member, { nullable: true, description: "The member as cached, where you may see them." })
  async member(@Root() completion: RecordedCompletion, @Ctx() ctx: GraphContext): Promise<Member | null> {
    const entity = await ctx.loaders.member.load(completion.memberKey);
    return entity ? toMember(entity) : null;
  }
}

@Resolver(() => Member)
export class MemberCompletionsResolver {
  @FieldResolver(() => [RecordedCompletion], {
    nullable: true,
    description:
      "Completions recorded by learning systems, newest first, with their writeback status. Null for anyone but the member, admins and LMS keys.",
  })
  async recordedCompletions(@Root() member: Member, @Ctx() ctx: GraphContext): Promise<RecordedCompletion[] | null> {
    if (!canSeeCompletions(member.visibleTo ?? ctx.viewer, member.key)) return null;
    return (await ctx.loaders.completionsByMember.load(member.key)).map(toCompletion);
  }
}
