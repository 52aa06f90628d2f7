import type { DataSource, EntityManager } from "typeorm";
import { findWhereIn, insertMany } from "../db/bulk-writes";
import { MemberEntity, SecurityGroupEntity, SecurityGroupMembershipEntity } from "../db/entities";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Clock } from "../time/clock";
import { deriveStatus, SYSTEM_POSITION_BASE } from "./derive-status";
import { diffMemberships, isEmptyDiff, type MemberChangeEvent } from "./member-change";
import { systemMemberships } from "./member-writer";
import type { SyncEvents, SyncRunSnapshot } from "./sync-events";
import type { RunLedger } from "./run-ledger";
import type { SyncRuleBook } from "./sync-rules";

const CHUNK = 500;

/**
 * The expiry sweep (DESIGN §4.6): when a term's end date passes (or a future term begins),
 * re-derive `isMember`, `status` and the system groups from what the cache holds, with no AMS
 * change needed. Each member records the next day that can happen, so the sweep reads only
 * the members whose day has come.
 */
export class ExpirySweep {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly rules: SyncRuleBook,
    private readonly clock: Clock,
    private readonly events: SyncEvents,
    private readonly runs: RunLedger,
  ) {}

  /**
   * Sweeps everyone due today; returns how many were looked at and how many changed. A sweep
   * with members to look at is a SWEEP run (a quiet one leaves no trace).
   */
  async sweep(): Promise<{ examined: number; changed: number }> {
    const totals = { examined: 0, changed: 0 };
    let run: SyncRunSnapshot | undefined;
    try {
      for (let due = await this.due(); due.length > 0; due = await this.due()) {
        run ??= await this.runs.start("SWEEP", "membership terms that began or ended");
        const changes = await this.sweepChunk(due, run.id);
        for (const change of changes) this.events.memberChanged(change);
        totals.examined += due.length;
        totals.changed += changes.length;
      }
      return totals;
    } finally {
      if (run) await this.runs.endDiscovery(run.id);
    }
  }

  private due(): Promise<MemberEntity[]> {
    return this.dataSource
      .getRepository(MemberEntity)
      .createQueryBuilder("m")
      .where("m.nextTransitionOn <= :today", { today: this.clock.today() })
      .orderBy("m.memberKey", "ASC")
      .limit(CHUNK)
      .getMany();
  }

  /** One chunk in one transaction, counted in the sweep's run. */
  private sweepChunk(due: MemberEntity[], runId: string): Promise<MemberChangeEvent[]> {
    return this.transactions.run(async (manager) => {
      const changes = await this.rederive(manager, due, this.clock.today());
      await this.runs.addWork(manager, runId, due.length, { refreshed: changes.length, unchanged: due.length - changes.length, failed: 0 });
      return changes;
    });
  }

  private async rederive(manager: EntityManager, members: MemberEntity[], today: string): Promise<MemberChangeEvent[]> {
    const keys = members.map((member) => member.memberKey);
    const memberships = await findWhereIn(manager, SecurityGroupMembershipEntity, "memberKey", keys);
    const groups = new Map(
      (await findWhereIn(manager, SecurityGroupEntity, "groupKey", [...new Set(memberships.map((row) => row.groupKey))])).map((group) => [
        group.groupKey,
        group,
      ]),
    );
    const now = this.clock.now();
    const changes: MemberChangeEvent[] = [];
    for (const member of members) {
      const own = memberships.filter((row) => row.memberKey === member.memberKey);
      const amsTerms = own.filter((row) => row.position < SYSTEM_POSITION_BASE);
      const derived = deriveStatus({
        isActive: member.isActive,
        gone: false,
        allowed: this.rules.memberTypeAllowed(member.memberType),
        today,
        terms: amsTerms.map((row) => {
          const group = groups.get(row.groupKey);
          return {
            beginDate: row.beginDate,
            endDate: row.endDate,
            grantsMemberStatus: group?.grantsMemberStatus ?? false,
            isStaff: group?.isStaff ?? false,
            isAdmin: group?.isAdmin ?? false,
          };
        }),
      });
      const oldSystem = own.filter((row) => row.position >= SYSTEM_POSITION_BASE);
      const newSystem = systemMemberships(member.memberKey, derived);
      const groupDiff = diffMemberships(oldSystem, newSystem, (row) => row.groupKey);
      const statusChanged = member.isMember !== derived.isMember || member.status !== derived.status;
      if (!statusChanged && isEmptyDiff(groupDiff)) {
        await manager.update(MemberEntity, member.memberKey, { nextTransitionOn: derived.nextTransitionOn });
        continue;
      }
      await manager.update(MemberEntity, member.memberKey, {
        isMember: derived.isMember,
        status: derived.status,
        nextTransitionOn: derived.nextTransitionOn,
        changedAt: now,
        // The group list changed under the refresh's feet: its next refresh rewrites every list.
        listHashes: "",
      });
      await manager
        .createQueryBuilder()
        .delete()
        .from(SecurityGroupMembershipEntity)
        .where("memberKey = :key AND position >= :base", { key: member.memberKey, base: SYSTEM_POSITION_BASE })
        .execute();
      await insertMany(manager, SecurityGroupMembershipEntity, newSystem);
      changes.push({
        memberKey: member.memberKey,
        kind: "UPDATED",
        changedFields: [
          ...(member.isMember !== derived.isMember ? ["isMember"] : []),
          ...(member.status !== derived.status ? ["status"] : []),
        ],
        communitiesAdded: [],
        communitiesRemoved: [],
        communitiesChanged: [],
        securityGroupsAdded: groupDiff.added,
        securityGroupsRemoved: groupDiff.removed,
        securityGroupsChanged: groupDiff.changed,
        at: now.toISOString(),
      });
    }
    return changes;
  }
}
