import type { FetchedMembers } from "../ams-source";
import type { CommunityMembershipRecord, MemberRecord, SecurityGroupMembershipRecord } from "../member-record";
import { SourceError, SourceErrorCode } from "../source.error";
import { type ImisGroupMapper, peekGroupMemberPartyId } from "./imis-group.mapper";
import { type ImisPartyMapper, peekPartyId } from "./imis-party.mapper";

type Outcome = { record: MemberRecord } | { error: SourceError };

interface Memberships {
  communities: CommunityMembershipRecord[];
  securityGroups: SecurityGroupMembershipRecord[];
}

function asSourceError(error: unknown, memberKey: string, what: string): SourceError {
  if (error instanceof SourceError) return error;
  return new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `${what} of party "${memberKey}" could not be read`, {
    cause: error,
    memberKey,
  });
}

/**
 * A filter iMIS did not apply answers with parties nobody asked for; trusting its absences
 * would disable every member it happened to leave out, so the whole answer is refused.
 */
function refuseUnasked(call: string, unasked: string[]): void {
  if (unasked.length === 0) return;
  const shown = unasked
    .slice(0, 3)
    .map((key) => `"${key}"`)
    .join(", ");
  throw new SourceError(
    SourceErrorCode.CONTRACT_VIOLATION,
    `${call}?PartyId=in:… answered ${unasked.length} record(s) for parties not asked for (${shown}); expected only the asked-for parties`,
  );
}

function readParties(wanted: Set<string>, parties: readonly unknown[], mapper: ImisPartyMapper) {
  const outcomes = new Map<string, Outcome>();
  const unasked: string[] = [];
  let keyless = 0;
  for (const raw of parties) {
    const key = peekPartyId(raw);
    if (key === null) {
      keyless += 1;
      continue;
    }
    if (!wanted.has(key)) {
      unasked.push(key);
      continue;
    }
    const previous = outcomes.get(key);
    if (previous !== undefined && "record" in previous) continue;
    try {
      outcomes.set(key, { record: mapper.read(raw) });
    } catch (error) {
      outcomes.set(key, { error: asSourceError(error, key, "the Party") });
    }
  }
  refuseUnasked("GET /api/Party", unasked);
  return { outcomes, keyless };
}

function readGroupMembers(wanted: Set<string>, groupMembers: readonly unknown[], mapper: ImisGroupMapper) {
  const memberships = new Map<string, Memberships>();
  const failures = new Map<string, SourceError>();
  const unasked: string[] = [];
  for (const raw of groupMembers) {
    const key = peekGroupMemberPartyId(raw);
    if (key === null || !wanted.has(key)) {
      unasked.push(key ?? "(no Party.PartyId)");
      continue;
    }
    try {
      const read = mapper.read(raw);
      const held = memberships.get(key) ?? { communities: [], securityGroups: [] };
      held.communities.push(...read.communities);
      held.securityGroups.push(...read.securityGroups);
      memberships.set(key, held);
    } catch (error) {
      if (!failures.has(key)) failures.set(key, asSourceError(error, key, "a GroupMember"));
    }
  }
  refuseUnasked("GET /api/GroupMember", unasked);
  return { memberships, failures };
}

/**
 * Sorts one batch's Party and GroupMember answers into members, missing and invalid, key by
 * key in the order asked. A malformed Party, or a malformed GroupMember of that party, fails
 * that member alone (its memberships would otherwise be replaced by an incomplete list); a
 * party iMIS did not return is gone, unless the answer held a Party without an id.
 */
export function assembleBatch(
  batch: readonly string[],
  parties: readonly unknown[],
  groupMembers: readonly unknown[],
  mappers: { parties: ImisPartyMapper; groups: ImisGroupMapper },
): FetchedMembers {
  const wanted = new Set(batch);
  const { outcomes, keyless } = readParties(wanted, parties, mappers.parties);
  const { memberships, failures } = readGroupMembers(wanted, groupMembers, mappers.groups);
  const result: FetchedMembers = { members: [], missing: [], invalid: [] };
  for (const memberKey of wanted) {
    const outcome = outcomes.get(memberKey);
    if (outcome === undefined && keyless > 0) {
      // One of the records without a PartyId may be this party's: absent is not proof of gone.
      const message = `expected a Party for "${memberKey}", got none; ${keyless} record(s) in the answer carried no PartyId`;
      result.invalid.push({ memberKey, error: new SourceError(SourceErrorCode.CONTRACT_VIOLATION, message, { memberKey }) });
      continue;
    }
    if (outcome === undefined) {
      result.missing.push(memberKey);
      continue;
    }
    const failure = "error" in outcome ? outcome.error : failures.get(memberKey);
    if (failure !== undefined || !("record" in outcome)) {
      result.invalid.push({ memberKey, error: failure! });
      continue;
    }
    const held = memberships.get(memberKey);
    const record = outcome.record;
    result.members.push({
      ...record,
      communities: held?.communities ?? [],
      securityGroups: [...(held?.securityGroups ?? []), ...record.securityGroups],
    });
  }
  return result;
}
