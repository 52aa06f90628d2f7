import { DemoAssociation } from "../../src/sources/demo/demo-association";
import { demoMemberKey } from "../../src/sources/demo/demo-member.factory";
import { DemoSource } from "../../src/sources/demo/demo.source";
import { ManualClock } from "../../src/time/clock";
import type { SourceContractHarness } from "./source-contract";

const PAGE_SIZE = 7;
/** Longer than the 320 characters a MemberInfo e-mail may have: the demo's own wire check refuses it. */
const MALFORMED_EMAIL = `${"x".repeat(320)}@example.org`;

/**
 * The in-process demo source over a demo association of exactly the seeded members: each is
 * edited to the contract's names and e-mail at its `updatedAt` (the association stamps edits
 * with its clock). A malformed member gets an e-mail too long for the wire form, which the demo
 * source validates like any other. The demo makes no AMS calls, so no call can fail: the fault
 * cases are skipped.
 */
export async function createDemoSourceHarness(): Promise<SourceContractHarness> {
  const clock = new ManualClock("2026-03-01T00:00:00Z");
  let source = new DemoSource(new DemoAssociation({ seed: 1, members: 0, clock }), { pageSize: PAGE_SIZE });
  return {
    get source() {
      return source;
    },
    pageSize: PAGE_SIZE,
    supports: { temporary: false, auth: false, retryAfter: false },
    memberKey: demoMemberKey,
    async seed(members) {
      const keys = new Set(members.map((member) => member.memberKey));
      if (members.some((_, index) => !keys.has(demoMemberKey(index)))) {
        throw new Error(`the demo association holds exactly ${demoMemberKey(0)}…: seed keys from memberKey(0..n-1)`);
      }
      const association = new DemoAssociation({ seed: 1, members: members.length, clock });
      for (const member of members) {
        clock.set(member.updatedAt);
        const email = member.malformed ? MALFORMED_EMAIL : member.email;
        association.update(member.memberKey, (record) => ({ ...record, firstName: member.firstName, lastName: member.lastName, email }));
      }
      await source.close();
      source = new DemoSource(association, { pageSize: PAGE_SIZE });
    },
    fail(fault) {
      throw new Error(`the in-process demo source makes no AMS calls that could fail (${fault.kind})`);
    },
    close: () => source.close(),
  };
}
