import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../time/clock";
import { fromMemberInfo, toMemberInfo } from "../member-info/member-info.mapper";
import type { MemberRecord } from "../member-record";
import { DemoAssociation } from "./demo-association";
import { DEMO_MEMBER_TYPES } from "./demo-catalog";
import { addDays } from "./demo-math";

const NOW = "2026-11-01T12:00:00.000Z";
const TODAY = "2026-11-01";

function association(seed: number, members: number, now = NOW): DemoAssociation {
  return new DemoAssociation({ seed, members, clock: new ManualClock(now) });
}

function everyMember(demo: DemoAssociation, count = demo.size): MemberRecord[] {
  return Array.from({ length: count }, (_, index) => demo.member(demo.keyAt(index))!);
}

describe("DemoAssociation determinism", () => {
  it("the same seed gives the same members and events, in any order of asking", () => {
    const first = association(7, 500);
    const second = association(7, 500);
    const indices = [499, 0, 250, 17, 1, 498];
    for (const index of indices) assert.deepEqual(first.member(first.keyAt(index)), second.member(second.keyAt(index)), `member ${index}`);
    assert.deepEqual(everyMember(first, 100), everyMember(second, 100));
    assert.deepEqual([...first.events(null)], [...second.events(null)]);
  });

  it("a different seed gives a different association", () => {
    const one = everyMember(association(7, 50));
    const other = everyMember(association(8, 50));
    const differing = one.filter((record, index) => record.email !== other[index]!.email).length;
    assert.ok(differing >= 45, `only ${differing} of 50 members differ`);
  });

  it("member i asked for alone equals member i after generating everyone", () => {
    const demo = association(3, 300);
    const all = everyMember(demo);
    const alone = association(3, 300).member(demo.keyAt(137));
    assert.deepEqual(alone, all[137]);
  });

  it("initial LastUpdated comes from the seed, not the wall clock", () => {
    const early = association(11, 200, "2025-01-01T00:00:00Z");
    const late = association(11, 200, "2027-06-30T00:00:00Z");
    assert.deepEqual([...early.changes(null)], [...late.changes(null)]);
    for (const change of early.changes(null)) assert.match(change.lastUpdated, /^2020-/);
    const shifted = [...association(12, 200).changes(null)];
    assert.notDeepEqual(shifted, [...early.changes(null)]);
  });

  it("lists changes lazily: a huge association answers member by member, generating nothing to list", () => {
    const huge = association(5, 5_000_000);
    const last = huge.member(huge.keyAt(4_999_999));
    assert.equal(last?.memberKey, "M5000000");
    const listing = huge.changes(null)[Symbol.iterator]();
    for (let n = 0; n < 1_000; n += 1) assert.equal(listing.next().done, false);
    assert.equal(huge.generatedRecords, 1, "only the one member asked for was generated");
  });

  it("reads since inclusively", () => {
    const demo = association(2, 300);
    const changes = [...demo.changes(null)];
    const pivot = changes[42]!;
    const since = [...demo.changes(new Date(pivot.lastUpdated))];
    assert.ok(
      since.some((change) => change.memberKey === pivot.memberKey),
      "the member changed exactly at since is listed",
    );
    assert.ok(since.every((change) => change.lastUpdated >= pivot.lastUpdated));
    assert.equal(since.length, changes.filter((change) => change.lastUpdated >= pivot.lastUpdated).length);
  });
});

describe("DemoAssociation content", () => {
  const demo = association(1, 3_000);
  const members = everyMember(demo);

  it("generates canonical records that pass validation unchanged", () => {
    for (const record of members) assert.deepEqual(fromMemberInfo(JSON.parse(JSON.stringify(toMemberInfo(record)))), record);
  });

  it("has every member type; organizations have a company name and no first name", () => {
    for (const type of DEMO_MEMBER_TYPES)
      assert.ok(
        members.some((m) => m.memberType === type),
        type,
      );
    const organizations = members.filter((m) => m.isOrganization);
    assert.ok(organizations.length > 0);
    for (const org of organizations) {
      assert.equal(org.memberType, "Organization");
      assert.equal(org.firstName, null);
      assert.ok(org.companyName);
    }
    for (const person of members.filter((m) => !m.isOrganization)) assert.ok(person.firstName && person.lastName);
  });

  it("has lapsed members, members expiring soon and a few inactive ones", () => {
    const expires = members.map((m) => m.membershipExpiresOn).filter((day): day is string => day !== null);
    assert.ok(
      expires.some((day) => day < TODAY),
      "some lapsed",
    );
    assert.ok(
      expires.some((day) => day >= TODAY && day <= addDays(TODAY, 30)),
      "some expiring within 30 days",
    );
    assert.ok(
      expires.some((day) => day > addDays(TODAY, 30)),
      "most current",
    );
    assert.ok(
      members.some((m) => !m.isActive),
      "some inactive",
    );
    assert.ok(members.every((m) => m.phones.length <= 4));
    assert.ok(members.some((m) => m.phones.length === 4));
  });

  it("has chapters under a parent, committees with roles and past terms, SIGs and security groups", () => {
    const memberships = members.flatMap((m) => m.communities);
    const chapters = memberships.filter((c) => c.type === "Chapter" && c.communityKey !== "CHAPTERS");
    assert.ok(chapters.length > 0 && chapters.every((c) => c.parentKey === "CHAPTERS"));
    assert.ok(
      memberships.some((c) => c.communityKey === "CHAPTERS"),
      "the parent community is on staff records",
    );
    assert.deepEqual(new Set(chapters.map((c) => c.subType)), new Set(["Regional", "International", "Student"]));
    const committees = memberships.filter((c) => c.type === "Committee");
    for (const role of ["Chair", "Vice Chair", "Member"])
      assert.ok(
        committees.some((c) => c.role === role),
        role,
      );
    assert.ok(
      committees.some((c) => c.endDate !== null && c.endDate < TODAY),
      "some past terms",
    );
    assert.ok(memberships.some((c) => c.type === "Special Interest Group"));
    const groups = new Set(members.flatMap((m) => m.securityGroups.map((g) => g.name)));
    for (const name of ["Board Portal", "Volunteers", "Journal Subscribers"]) assert.ok(groups.has(name), name);
  });

  it("has contact details, social links and demographics", () => {
    const emails = members.map((m) => m.email).filter((email): email is string => email !== null);
    assert.equal(new Set(emails.map((e) => e.toLowerCase())).size, emails.length, "e-mail addresses are unique");
    assert.ok(members.some((m) => m.socialLinks.length > 0));
    assert.ok(members.some((m) => m.bio !== null));
    assert.ok(members.some((m) => m.demographics.some((d) => d.isFreeForm)));
    assert.ok(members.some((m) => m.address.country === "CA"));
  });

  it("has events: members-only, past, deleted", () => {
    const events = [...demo.events(null)];
    assert.equal(events.length, demo.eventCount);
    assert.ok(events.some((e) => e.isMembersOnly));
    assert.ok(events.some((e) => e.startsAt.toISOString() < NOW));
    assert.ok(events.some((e) => e.startsAt.toISOString() > NOW));
    assert.ok(events.some((e) => e.isDeleted));
  });
});

describe("DemoAssociation sign-in and edits", () => {
  it("authenticates a member's e-mail in any case with the demo password", () => {
    const demo = association(4, 400);
    const member = everyMember(demo).find((m) => m.email !== null)!;
    assert.equal(demo.authenticate(member.email!.toUpperCase(), "demo-password"), member.memberKey);
    assert.equal(demo.authenticate(member.email!, "wrong"), undefined);
    assert.equal(demo.authenticate("nobody123@example.com", "demo-password"), undefined);
  });

  it("follows an e-mail change and forgets the old address", () => {
    const demo = association(4, 400);
    const member = everyMember(demo).find((m) => m.email !== null)!;
    demo.update(member.memberKey, (record) => ({ ...record, email: "renamed@example.net" }));
    assert.equal(demo.authenticate("Renamed@Example.net", "demo-password"), member.memberKey);
    assert.equal(demo.authenticate(member.email!, "demo-password"), undefined);
  });

  it("resolves demo SSO tokens for active members only", () => {
    const demo = association(4, 400);
    const [active, other] = everyMember(demo).filter((m) => m.isActive);
    assert.equal(demo.resolveSsoToken(`demo-sso:${active!.memberKey}`), active!.memberKey);
    demo.update(other!.memberKey, (record) => ({ ...record, isActive: false }));
    assert.equal(demo.resolveSsoToken(`demo-sso:${other!.memberKey}`), undefined);
    assert.equal(demo.resolveSsoToken("demo-sso:M9999999"), undefined);
    assert.equal(demo.resolveSsoToken(active!.memberKey), undefined);
  });

  it("stamps an edit with the clock's now and keeps a removed member listed at its removal time", () => {
    const clock = new ManualClock(NOW);
    const demo = new DemoAssociation({ seed: 9, members: 100, clock });
    clock.advance(60_000);
    const edited = demo.update("M0000010", (record) => ({ ...record, title: "Chief Listener" }));
    assert.equal(edited.sourceUpdatedAt?.toISOString(), "2026-11-01T12:01:00.000Z");
    assert.equal(demo.member("M0000010")?.title, "Chief Listener");
    clock.advance(60_000);
    demo.remove("M0000020");
    assert.equal(demo.member("M0000020"), undefined);
    assert.equal(demo.isRemoved("M0000020"), true);
    assert.deepEqual(
      [...demo.changes(new Date("2026-11-01T12:00:30Z"))],
      [
        { memberKey: "M0000010", lastUpdated: "2026-11-01T12:01:00.000Z" },
        { memberKey: "M0000020", lastUpdated: "2026-11-01T12:02:00.000Z" },
      ],
    );
  });

  it("records an activity once per idempotency key", () => {
    const demo = association(1, 10);
    const activity = {
      memberKey: "M0000001",
      activityKey: "A1",
      title: "Ethics 101",
      completedAt: new Date(NOW),
      credits: 1.5,
      idempotencyKey: "k1",
    };
    assert.equal(demo.recordActivity(activity), true);
    assert.equal(demo.recordActivity({ ...activity, title: "again" }), false);
    assert.deepEqual(demo.recordedActivities(), [activity]);
  });
});
