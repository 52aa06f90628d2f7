import { enumOf } from "../enum-of";
import { Directive, Field, ID, ObjectType, registerEnumType } from "type-graphql";
import type { Viewer } from "../../auth/viewer";
import { MEMBER_STATUSES } from "../../db/entities/member.entity";
import { PHONE_TYPES, SOCIAL_NETWORKS } from "../../sources/member-record";
import { connectionTypes } from "../pagination/connection.types";
import { DateScalar, DateTimeScalar } from "../scalars";

export const MemberStatus = enumOf(MEMBER_STATUSES);
registerEnumType(MemberStatus, {
  name: "MemberStatus",
  description: "ACTIVE: a current record. EXPIRED: membership lapsed. DISABLED: inactive or gone from the AMS, or filtered out.",
});

export const PhoneTypeEnum = enumOf(PHONE_TYPES);
registerEnumType(PhoneTypeEnum, { name: "PhoneType" });

export const SocialNetworkEnum = enumOf(SOCIAL_NETWORKS);
registerEnumType(SocialNetworkEnum, { name: "SocialNetwork" });

@ObjectType({ simpleResolvers: true })
export class Phone {
  @Field() number!: string;
  @Field(() => PhoneTypeEnum, { nullable: true }) type!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class Address {
  @Field(() => String, { nullable: true }) line1!: string | null;
  @Field(() => String, { nullable: true }) line2!: string | null;
  @Field(() => String, { nullable: true }) line3!: string | null;
  @Field(() => String, { nullable: true }) city!: string | null;
  @Field(() => String, { nullable: true }) stateProvince!: string | null;
  @Field(() => String, { nullable: true }) postalCode!: string | null;
  @Field(() => String, { nullable: true }) country!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class SocialLink {
  @Field(() => SocialNetworkEnum) network!: string;
  @Field() url!: string;
}

@ObjectType({ simpleResolvers: true, description: "A custom search / network demographic." })
export class Demographic {
  @Field() type!: string;
  @Field() value!: string;
  @Field(() => String, { nullable: true }) typeKey!: string | null;
  @Field(() => String, { nullable: true }) valueKey!: string | null;
  @Field() isFreeForm!: boolean;
}

@ObjectType({ simpleResolvers: true, description: "A school or degree on the member's profile, in the AMS's order." })
export class Education {
  @Field() institution!: string;
  @Field(() => String, { nullable: true }) degree!: string | null;
  @Field(() => String, { nullable: true }) fieldOfStudy!: string | null;
  @Field(() => DateScalar, { nullable: true }) startDate!: string | null;
  @Field(() => DateScalar, { nullable: true }) endDate!: string | null;
}

@ObjectType({ simpleResolvers: true, description: "A position in the member's job history, in the AMS's order." })
export class Job {
  @Field() company!: string;
  @Field(() => String, { nullable: true }) title!: string | null;
  @Field(() => DateScalar, { nullable: true }) startDate!: string | null;
  @Field(() => DateScalar, { nullable: true }) endDate!: string | null;
  @Field({ description: "The member holds this position now." }) isCurrent!: boolean;
}

@Directive('@key(fields: "key")')
@ObjectType({ simpleResolvers: true, description: "A person or organization as the AMS knows them, from the cache." })
export class Member {
  @Field(() => ID, { description: "The AMS's unique key; everything joins on it." }) key!: string;
  @Field(() => String, { nullable: true, description: "The AMS's display number." }) memberId!: string | null;

  @Field(() => String, { nullable: true }) prefix!: string | null;
  @Field(() => String, { nullable: true }) firstName!: string | null;
  @Field(() => String, { nullable: true }) middleName!: string | null;
  @Field(() => String, { nullable: true }) lastName!: string | null;
  @Field(() => String, { nullable: true, description: "Nickname." }) informalName!: string | null;
  @Field(() => String, { nullable: true }) suffix!: string | null;
  @Field(() => String, { nullable: true, description: "Credentials, e.g. CPA." }) designation!: string | null;
  @Field({ description: "The name to show: nickname or first name and last name; company for organizations." })
  displayName!: string;

  @Field(() => String, { nullable: true }) companyName!: string | null;
  @Field(() => String, { nullable: true }) title!: string | null;
  @Field(() => String, { nullable: true }) bio!: string | null;
  @Field(() => String, { nullable: true }) profileImageUrl!: string | null;
  @Field(() => String, { nullable: true }) websiteUrl!: string | null;

  @Field(() => String, { nullable: true }) memberType!: string | null;
  @Field(() => MemberStatus) status!: string;
  @Field({ description: "Holds a current membership (derived from membership dates and member-status groups)." })
  isMember!: boolean;
  @Field() isOrganization!: boolean;
  @Field(() => DateScalar, { nullable: true }) memberSince!: string | null;
  @Field(() => DateScalar, { nullable: true }) membershipExpiresOn!: string | null;
  @Field({ description: "The member asked to be left out of the directory." }) excludeFromDirectory!: boolean;

  @Field(() => DateTimeScalar, { description: "When amsgate last read this member from the AMS." })
  lastRefreshedAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true, description: "The AMS's own last-change time." })
  sourceUpdatedAt!: Date | null;
  @Field(() => DateTimeScalar, { description: "When the cached content last changed." })
  changedAt!: Date;

  /** Contact fields: resolved by the resolver, which decides who may see them. */
  email!: string | null;
  address!: Address | null;
  /** Set when the object answers a sign-on: contact fields are judged for that session. */
  visibleTo?: Viewer;
}

export const { Connection: MemberConnection } = connectionTypes(Member, "Member");
