import { CommunityMembershipEntity } from "./community-membership.entity";
import { CommunityEntity } from "./community.entity";
import { EventEntity } from "./event.entity";
import { ImportRowErrorEntity } from "./import-row-error.entity";
import { MemberDemographicEntity } from "./member-demographic.entity";
import { MemberEducationEntity } from "./member-education.entity";
import { MemberJobEntity } from "./member-job.entity";
import { MemberPhoneEntity } from "./member-phone.entity";
import { MemberPurchaseEntity } from "./member-purchase.entity";
import { MemberSocialLinkEntity } from "./member-social-link.entity";
import { MemberEntity } from "./member.entity";
import { PushIdempotencyEntity } from "./push-idempotency.entity";
import { RefreshFailureEntity } from "./refresh-failure.entity";
import { RefreshQueueRunEntity } from "./refresh-queue-run.entity";
import { RefreshQueueEntity } from "./refresh-queue.entity";
import { SecurityGroupMembershipEntity } from "./security-group-membership.entity";
import { SecurityGroupEntity } from "./security-group.entity";
import { SsoUsedTokenEntity } from "./sso-used-token.entity";
import { SyncCursorEntity } from "./sync-cursor.entity";
import { SyncLeaseEntity } from "./sync-lease.entity";
import { SyncRunEntity } from "./sync-run.entity";
import { CompletionEntity } from "./completion.entity";
import { WritebackOutboxEntity } from "./writeback-outbox.entity";

export {
  CompletionEntity,
  CommunityEntity,
  CommunityMembershipEntity,
  EventEntity,
  ImportRowErrorEntity,
  MemberDemographicEntity,
  MemberEducationEntity,
  MemberEntity,
  MemberJobEntity,
  MemberPhoneEntity,
  MemberPurchaseEntity,
  MemberSocialLinkEntity,
  PushIdempotencyEntity,
  RefreshFailureEntity,
  RefreshQueueEntity,
  RefreshQueueRunEntity,
  SecurityGroupEntity,
  SecurityGroupMembershipEntity,
  SsoUsedTokenEntity,
  SyncCursorEntity,
  SyncLeaseEntity,
  SyncRunEntity,
  WritebackOutboxEntity,
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
  RefreshQueueEntity,
  RefreshQueueRunEntity,
  RefreshFailureEntity,
  SyncRunEntity,
  SyncCursorEntity,
  SsoUsedTokenEntity,
  SyncLeaseEntity,
  PushIdempotencyEntity,
  ImportRowErrorEntity,
  MemberEducationEntity,
  MemberJobEntity,
  CompletionEntity,
  WritebackOutboxEntity,
  MemberPurchaseEntity,
];
