import "reflect-metadata";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CommunityEntity } from "../src/db/entities";
import type { GraphContext } from "../src/graph/context";
import { CommunityMembershipResolver } from "../src/graph/community/community-membership.resolver";
import { CommunityMembership } from "../src/graph/community/community.type";
import { joinedOrLoaded } from "../src/graph/joined-parent";

const community = (communityKey: string, name: string) =>
  ({ communityKey, name, type: null, subType: null, parentKey: null }) as CommunityEntity;

/** A context whose community loader answers from `rows`, counting its loads. */
function contextWith(rows: Map<string, CommunityEntity>) {
  const loads: string[] = [];
  const ctx = {
    loaders: {
      community: {
        load: async (key: string) => {
          loads.push(key);
          return rows.get(key) ?? null;
        },
      },
    },
  } as unknown as GraphContext;
  return { ctx, loads };
}

const membershipOf = (communityKey: string, joined?: CommunityEntity) =>
  Object.assign(new CommunityMembership(), { memberKey: "M1", communityKey, position: 1, joinedCommunity: joined });

describe("a membership's parent read with it", () => {
  it("answers at once, without a promise or a load, when the row brought its parent", () => {
    const { ctx, loads } = contextWith(new Map());
    const answer = new CommunityMembershipResolver().community(membershipOf("C1", community("C1", "Chapter")), ctx);
    assert.ok(!(answer instanceof Promise), "a joined parent is answered synchronously");
    assert.equal((answer as { name: string }).name, "Chapter");
    assert.deepEqual(loads, []);
  });

  it("loads it otherwise, and fails clearly when the cache no longer has it", async () => {
    const { ctx, loads } = contextWith(new Map([["C2", community("C2", "Board")]]));
    const resolver = new CommunityMembershipResolver();
    assert.equal((await resolver.community(membershipOf("C2"), ctx)).name, "Board");
    await assert.rejects(Promise.resolve(resolver.community(membershipOf("C9"), ctx)), /community C9 vanished while being read/);
    assert.deepEqual(loads, ["C2", "C9"]);
  });

  it("maps only what was loaded: the joined answer is used as it is", async () => {
    const mapped: string[] = [];
    const map = (row: { key: string }) => {
      mapped.push(row.key);
      return row.key.toUpperCase();
    };
    assert.equal(
      joinedOrLoaded(
        "given",
        async () => ({ key: "x" }),
        map,
        () => new Error("none"),
      ),
      "given",
    );
    assert.equal(
      await joinedOrLoaded(
        undefined,
        async () => ({ key: "x" }),
        map,
        () => new Error("none"),
      ),
      "X",
    );
    assert.deepEqual(mapped, ["x"]);
  });
});
