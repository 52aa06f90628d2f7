import { CommunityMembershipEntity } from "./community-membership.entity";
import { CommunityEntity } from "./community.entity";
import { EventEntity } from "./event.entity";
import { MemberDemographicEntity } from "./member-demographic.entity";
import { MemberPhoneEntity } from "./member-phone.entity";
import { MemberSocialLinkEntity } from "./member-social-link.entity";
import { MemberEntity } from "./member.entity";
import { SecurityGroupMembershipEntity } from "./security-group-membership.entity";
import { SecurityGroupEntity } from "./security-group.entity";

export {
  CommunityEntity,
  CommunityMembershipEntity,
  EventEntity,
  MemberDemographicEntity,
  MemberEntity,
  MemberPhoneEntity,
  MemberSocialLinkEntity,
  SecurityGroupEntity,
  SecurityGroupMembershipEntity,
};

/** Every entity the data source knows; the migrations create exactly these tables. */
export const ENTITIES = [
  MemberEntity,
  MemberPhoneEntity,
  MemberSocialLinkEntity,
  MemberDemographicEntity,
  CommunityEntity,
  CommunityMembershipEntity,
  SecurityGroupEntity,
  SecurityGroupMembershipEntity,
  EventEntity,
];
