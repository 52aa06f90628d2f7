import { createLogger } from "../../src/observability/logger";
import { PersonifySource } from "../../src/sources/personify/personify.source";
import { startFakePersonify } from "./fake-personify-data-services";
import { personifyConfig } from "./personify-config";
import type { ContractFault, ContractMember, SourceContractHarness } from "./source-contract";

export type { ContractFault, ContractMember, SourceContractHarness };

const PAGE_SIZE = 3;
const RETRIES = 2;

/**
 * The Personify source against its fake Data Services, for the shared source contract suite:
 * pages of {@link PAGE_SIZE} (`$top`/`$skip`), two in-call retries without delay for temporary
 * faults, and any `Retry-After` handed straight back (no in-call wait, so tests never sleep).
 * A malformed member carries an object where its first name should be: it is listed, but its
 * fetch is `invalid`.
 */
export async function createPersonifyContractHarness(): Promise<SourceContractHarness> {
  const fake = await startFakePersonify();
  const config = personifyConfig(fake, { PERSONIFY_PAGE_SIZE: String(PAGE_SIZE), PERSONIFY_RETRIES: String(RETRIES) });
  const source = new PersonifySource(config, { logger: createLogger("silent"), maxInCallDelayMs: 0 });
  return {
    source,
    pageSize: PAGE_SIZE,
    // Customers, addresses, phones and e-mails are each read for changes.
    listsPerPart: true,
    async seed(members) {
      for (const member of members) {
        fake.store.putMember({
          id: member.memberKey,
          firstName: member.firstName,
          lastName: member.lastName,
          email: member.email,
          updatedAt: member.updatedAt,
          customerExtra: member.malformed ? { FirstName: { unexpected: "an object" } } : undefined,
        });
      }
    },
    fail(fault) {
      if (fault.kind === "temporary") fake.fail({ kind: "unavailable", times: fault.times });
      else fake.fail(fault);
    },
    close: () => fake.close(),
  };
}
