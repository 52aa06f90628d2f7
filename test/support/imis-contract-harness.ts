import { createLogger } from "../../src/observability/logger";
import type { AmsSource } from "../../src/sources/ams-source";
import { ImisSource } from "../../src/sources/imis/imis.source";
import { FakeImis, imisSourceConfig } from "./fake-imis";
import { personParty } from "./fake-imis-records";
import type { ContractFault, ContractMember, SourceContractHarness } from "./source-contract";

export type { ContractFault, ContractMember, SourceContractHarness };

const PAGE_SIZE = 3;
/** Further tries after a temporary failure: a `temporary` fault of up to 2 is absorbed within one call. */
const RETRIES = 2;

/** A Party the mapper must refuse (an impossible paid-through day) while its id and UpdatedOn still read. */
function malformedParty(member: ContractMember): Record<string, unknown> {
  const party = personParty(
    { partyId: member.memberKey, firstName: member.firstName, lastName: member.lastName, email: member.email },
    member.updatedAt,
  );
  return {
    ...party,
    AdditionalAttributes: { $values: [{ Name: "PaidThruDate", Value: { $type: "System.DateTime", $value: "2026-02-30T00:00:00" } }] },
  };
}

/**
 * The shared source contract suite's harness for the iMIS connector: a fake iMIS on a free
 * loopback port and an {@link ImisSource} against it (pages of {@link PAGE_SIZE}, no retry
 * delay). Faults map onto iMIS's behaviour:
 * - `temporary`: the next `times` requests answer 503;
 * - `auth`: every token iMIS issued is revoked and the next `times` token requests are refused
 *   (400 invalid_grant), so `times` calls fail AUTH_REJECTED even after the connector's one
 *   token refresh, and the next one recovers;
 * - `retryAfter`: the next `times` requests answer 429 with that `Retry-After`.
 */
export async function createImisContractHarness(): Promise<SourceContractHarness> {
  const fake = await FakeImis.start();
  const source: AmsSource = new ImisSource(imisSourceConfig(fake, { pageSize: PAGE_SIZE, retries: RETRIES, retryBaseMs: 0 }), {
    logger: createLogger("silent"),
  });
  return {
    source,
    pageSize: PAGE_SIZE,
    async seed(members) {
      for (const member of members) {
        const party = member.malformed
          ? malformedParty(member)
          : personParty(
              { partyId: member.memberKey, firstName: member.firstName, lastName: member.lastName, email: member.email, memberType: "M" },
              member.updatedAt,
            );
        fake.setParty(member.memberKey, party, member.updatedAt);
      }
    },
    fail(fault) {
      if (fault.kind === "temporary") fake.fail({ kind: "unavailable", times: fault.times });
      else if (fault.kind === "retryAfter") fake.fail({ kind: "tooMany", times: fault.times, retryAfterSeconds: fault.retryAfterSeconds });
      else {
        fake.revokeTokens();
        fake.fail({ kind: "rejectCredentials", times: fault.times });
      }
    },
    async close() {
      await source.close?.();
      await fake.close();
    },
  };
}
