import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sampleLmsData } from "../examples/lms-subgraph/lms.data";
import { startLmsSubgraph, type RunningLms } from "../examples/lms-subgraph/lms.subgraph";
import { Role } from "../src/auth/viewer";
import { seedMembers } from "./support/fixtures";
import { startGateway, type RunningGateway } from "./support/federation-gateway";
import { gql } from "./support/graphql-client";
import { startTestApp, type TestApp } from "./support/test-app";

const GATEWAY_KEY = "gateway-key-0123456789abcdefghij";

describe("amsgate and the example LMS composed under Apollo Gateway", () => {
  let amsgate: TestApp;
  let lms: RunningLms;
  let gateway: RunningGateway;
  let memberToken: string;

  before(async () => {
    // With a key configured, _service answers only the gateway, also outside production.
    amsgate = await startTestApp({ env: { FEDERATION_GATEWAY_KEYS: GATEWAY_KEY } });
    await seedMembers(amsgate.app.database.dataSource, [
      { memberKey: "A", firstName: "Ann", lastName: "Able", email: "a@example.org" },
      { memberKey: "B", firstName: "Bea", lastName: "Baker", email: "b@example.org" },
      { memberKey: "OPT", firstName: "Oli", lastName: "Out", excludeFromDirectory: true },
    ]);
    memberToken = (await amsgate.app.sessions.issue("A", [Role.AUTHENTICATED, Role.MEMBER])).accessToken;
    lms = await startLmsSubgraph(sampleLmsData(["A", "B", "OPT"]), 0);
    gateway = await startGateway(
      [
        { name: "amsgate", url: amsgate.url },
        { name: "lms", url: lms.url },
      ],
      { "x-gateway-key": GATEWAY_KEY },
    );
  });

  after(async () => {
    await gateway?.stop();
    await lms?.stop();
    await amsgate?.stop();
  });

  it("amsgate → LMS: the directory with each member's completions and enrollments", async () => {
    const answer = await gql(
      gateway.url,
      `{ members { edges { node { key displayName completions { course { code } score } enrollments { status } } } } }`,
      {},
      memberToken,
    );
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    const nodes = answer.data!.members.edges.map((edge: { node: unknown }) => edge.node);
    const expected = sampleLmsData(["A", "B", "OPT"]);
    // The member's directory (OPT opted out), each with the LMS's records for that key.
    assert.deepEqual(
      nodes.map((node: { key: string }) => node.key),
      ["A", "B"],
    );
    for (const node of nodes) {
      const own = expected.completions.filter((row) => row.memberKey === node.key);
      assert.deepEqual(
        node.completions.map((row: { course: { code: string } }) => row.course.code),
        own.map((row) => row.courseCode),
      );
      assert.equal(node.enrollments.length, expected.enrollments.filter((row) => row.memberKey === node.key).length);
    }
    assert.ok(nodes[0].completions.length > 0, "the data exercises the join");
  });

  it("LMS → amsgate: a course's enrollments with member fields from amsgate, under the caller's rules", async () => {
    const query = `{ course(code: "ETH-101") { title enrollments { status member { key displayName email } } } }`;
    const answer = await gql(gateway.url, query, {}, memberToken);
    const enrolled = sampleLmsData(["A", "B", "OPT"])
      .enrollments.filter((row) => row.courseCode === "ETH-101")
      .map((row) => row.memberKey);
    assert.deepEqual(enrolled, ["A", "OPT"], "the fixture enrolls one visible and one hidden member");
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.deepEqual(
      answer.data!.course.enrollments.map((row: { member: unknown }) => row.member),
      [{ key: "A", displayName: "Ann Able", email: "a@example.org" }, null],
    );
    const recent = await gql(
      gateway.url,
      `{ recentCompletions(since: "2026-01-01") { member { key displayName email } } }`,
      {},
      memberToken,
    );
    assert.equal(recent.errors, undefined, JSON.stringify(recent.errors));
    const shown: Record<string, unknown> = {
      A: { key: "A", displayName: "Ann Able", email: "a@example.org" },
      B: { key: "B", displayName: "Bea Baker", email: null },
      OPT: null,
    };
    const completions = sampleLmsData(["A", "B", "OPT"]).completions.sort((a, b) => b.completedOn.localeCompare(a.completedOn));
    assert.ok(
      ["A", "B", "OPT"].every((key) => completions.some((row) => row.memberKey === key)),
      "every kind of member appears",
    );
    assert.deepEqual(
      recent.data!.recentCompletions.map((row: { member: unknown }) => row.member),
      completions.map((row) => shown[row.memberKey]),
    );
  });

  it("a key the LMS holds is the LMS's to show: amsgate adds no field to a member the caller may not see", async () => {
    // The router answers `key` from the LMS's own reference without asking amsgate; every field
    // amsgate owns is null, and selecting a non-null one (displayName) nulls the whole member.
    const answer = await gql(gateway.url, `{ course(code: "ETH-101") { enrollments { member { key email memberId } } } }`, {}, memberToken);
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.deepEqual(answer.data!.course.enrollments[1].member, { key: "OPT", email: null, memberId: null });
  });

  it("without credentials the gateway gets no member from amsgate", async () => {
    const answer = await gql(gateway.url, `{ course(code: "ETH-101") { title enrollments { member { key displayName } } } }`);
    assert.equal(answer.data!.course.title, "Professional Ethics", "the LMS's own fields still answer");
    assert.deepEqual(
      answer.data!.course.enrollments.map((row: { member: unknown }) => row.member),
      [null, null],
    );
    assert.ok(
      answer.errors?.some((error) => error.extensions?.code === "UNAUTHENTICATED"),
      JSON.stringify(answer.errors),
    );
  });
});
