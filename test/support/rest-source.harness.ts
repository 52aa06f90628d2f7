import { createLogger } from "../../src/observability/logger";
import type { Reply } from "../../src/sources/demo/ams-http.routes";
import { RestSource } from "../../src/sources/rest/rest.source";
import { InMemoryAms, memberInfo, restSourceConfig, startFakeAms } from "./in-memory-ams";
import type { ContractFault, ContractMember, SourceContractHarness } from "./source-contract";

const PAGE_SIZE = 7;
const RETRIES = 2;

/** The answer a fault gives, as the JSON source protocol defines it (docs/source-protocol.md). */
function faultReply(fault: ContractFault): Reply {
  switch (fault.kind) {
    case "temporary":
      return { status: 503, body: { error: "unavailable", message: "Try again later." } };
    case "auth":
      return { status: 401, body: { error: "unauthorized", message: "The API key is missing or not valid." } };
    case "retryAfter":
      return { status: 429, headers: { "retry-after": String(fault.retryAfterSeconds) }, body: { error: "rate_limited" } };
  }
}

/** A MemberInfo the REST source must refuse while keeping its key: IsActive is no flag. */
function wireMember(member: ContractMember): unknown {
  const details = { FirstName: member.firstName, LastName: member.lastName, EmailAddress: member.email };
  return memberInfo(member.memberKey, member.malformed ? { ...details, IsActive: "sometimes" } : details);
}

/**
 * The REST source against the AMS HTTP server (the one `npm run demo-ams` runs) on port 0,
 * serving the in-memory test AMS. Faults are answered by the server itself, so the source's
 * real HTTP handling (statuses, Retry-After, retries) is what the suite sees. Retries never wait.
 */
export async function createRestSourceHarness(): Promise<SourceContractHarness> {
  const ams = new InMemoryAms();
  const pending: Array<{ fault: ContractFault; left: number }> = [];
  const intercept = (): Reply | undefined => {
    const next = pending[0];
    if (next === undefined) return undefined;
    next.left -= 1;
    if (next.left <= 0) pending.shift();
    return faultReply(next.fault);
  };
  const fake = await startFakeAms(ams, { pageSize: PAGE_SIZE, intercept });
  const source = new RestSource(restSourceConfig(fake, { retries: RETRIES, retryBaseMs: 0 }), { logger: createLogger("silent") });
  return {
    source,
    pageSize: PAGE_SIZE,
    retries: RETRIES,
    calls: () => fake.server.stats.requests,
    async seed(members) {
      ams.clear();
      for (const member of members) ams.setMember(member.memberKey, wireMember(member), member.updatedAt);
    },
    fail(fault) {
      if (fault.times > 0) pending.push({ fault, left: fault.times });
    },
    close: () => fake.close(),
  };
}
