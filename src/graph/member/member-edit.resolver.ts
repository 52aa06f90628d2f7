import { Arg, Authorized, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Resolver, Root } from "type-graphql";
import { Role } from "../../auth/viewer";
import type { GroupEdit, MemberEdit } from "../../imports/member-editor";
import type { SyncRunSnapshot } from "../../sync/sync-events";
import type { GraphContext } from "../context";
import { toSyncRun } from "../sync/sync.mapper";
import { SyncRun } from "../sync/sync.types";
import { toMember } from "./member.mapper";
import { Member } from "./member.type";

@InputType({ description: "A phone as an admin types it; type is Work, Home, Mobile, Fax, TollFree or any other word." })
class PhoneInput {
  @Field() number!: string;
  @Field(() => String, { nullable: true }) type?: string | null;
}

@InputType({ description: "A community or security-group membership; dates are yyyy-MM-dd." })
class GroupMembershipInput implements GroupEdit {
  @Field(() => ID) key!: string;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true, description: "Community type (Committee, Chapter, …) or security-group type." }) type?:
    | string
    | null;
  @Field(() => String, { nullable: true }) role?: string | null;
  @Field(() => String, { nullable: true }) beginDate?: string | null;
  @Field(() => String, { nullable: true }) endDate?: string | null;
}

@InputType({
  description:
    "A member as an admin sets it (AMS_SOURCE=spreadsheet). Each field given replaces the cached one (an empty text clears it); " +
    "each left out keeps it. Lists given replace the whole list. Dates are yyyy-MM-dd. Checked as a CSV row is.",
})
class MemberInput implements MemberEdit {
  @Field(() => String, { nullable: true }) memberId?: string | null;
  @Field(() => String, { nullable: true }) prefix?: string | null;
  @Field(() => String, { nullable: true }) firstName?: string | null;
  @Field(() => String, { nullable: true }) middleName?: string | null;
  @Field(() => String, { nullable: true }) lastName?: string | null;
  @Field(() => String, { nullable: true }) suffix?: string | null;
  @Field(() => String, { nullable: true }) designation?: string | null;
  @Field(() => String, { nullable: true }) informalName?: string | null;
  @Field(() => String, { nullable: true }) memberType?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) title?: string | null;
  @Field(() => String, { nullable: true }) companyName?: string | null;
  @Field(() => String, { nullable: true }) addressLine1?: string | null;
  @Field(() => String, { nullable: true }) addressLine2?: string | null;
  @Field(() => String, { nullable: true }) addressLine3?: string | null;
  @Field(() => String, { nullable: true }) city?: string | null;
  @Field(() => String, { nullable: true }) state?: string | null;
  @Field(() => String, { nullable: true }) postalCode?: string | null;
  @Field(() => String, { nullable: true }) country?: string | null;
  @Field(() => String, { nullable: true }) memberSince?: string | null;
  @Field(() => String, { nullable: true }) membershipExpiresOn?: string | null;
  @Field(() => Boolean, { nullable: true }) isActive?: boolean | null;
  @Field(() => Boolean, { nullable: true }) isOrganization?: boolean | null;
  @Field(() => Boolean, { nullable: true }) excludeFromDirectory?: boolean | null;
  @Field(() => [PhoneInput], { nullable: true, description: "At most four." }) phones?: PhoneInput[] | null;
  @Field(() => [GroupMembershipInput], { nullable: true }) communities?: GroupMembershipInput[] | null;
  @Field(() => [GroupMembershipInput], { nullable: true }) securityGroups?: GroupMembershipInput[] | null;
}

@ObjectType({ description: "What a hand edit did: its run (kind MANUAL) and the member as cached now." })
export class MemberEditPayload {
  @Field(() => SyncRun) run!: SyncRun;
  memberKey!: string;
}

function payload(run: SyncRunSnapshot, memberKey: string, ctx: GraphContext): MemberEditPayload {
  ctx.loaders.member.clear(memberKey);
  return Object.assign(new MemberEditPayload(), { run: toSyncRun(run), memberKey });
}

/**
 * Standalone account management, for AMS_SOURCE=spreadsheet only (elsewhere NOT_SOURCE_OF_RECORD):
 * the edits go through the same intake and member writer as an import.
 */
@Resolver(() => MemberEditPayload)
export class MemberEditResolver {
  @Authorized(Role.ADMIN)
  @Mutation(() => MemberEditPayload, { description: "Creates a member (AMS_SOURCE=spreadsheet only)." })
  async createMember(
    @Arg("key", () => ID) key: string,
    @Arg("input", () => MemberInput) input: MemberInput,
    @Ctx() ctx: GraphContext,
  ): Promise<MemberEditPayload> {
    return payload(await ctx.services.memberEditor.create(key, input), key.trim(), ctx);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => MemberEditPayload, { description: "Changes the fields given (AMS_SOURCE=spreadsheet only)." })
  async updateMember(
    @Arg("key", () => ID) key: string,
    @Arg("input", () => MemberInput) input: MemberInput,
    @Ctx() ctx: GraphContext,
  ): Promise<MemberEditPayload> {
    return payload(await ctx.services.memberEditor.update(key, input), key.trim(), ctx);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => MemberEditPayload, {
    description: "Disables a member: kept, DISABLED, no longer able to sign on (AMS_SOURCE=spreadsheet only).",
  })
  async disableMember(@Arg("key", () => ID) key: string, @Ctx() ctx: GraphContext): Promise<MemberEditPayload> {
    return payload(await ctx.services.memberEditor.disable(key), key.trim(), ctx);
  }

  @FieldResolver(() => Member, { nullable: true, description: "The member as cached now." })
  async member(@Root() edit: MemberEditPayload, @Ctx() ctx: GraphContext): Promise<Member | null> {
    const entity = await ctx.loaders.member.load(edit.memberKey);
    return entity ? toMember(entity) : null;
  }
}
