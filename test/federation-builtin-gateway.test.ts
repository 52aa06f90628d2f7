import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sampleLmsData } from "../examples/lms-subgraph/lms.data";
import { startLmsSubgraph, type RunningLms } from "../examples/lms-subgraph/lms.subgraph";
import { Role } from "../src/auth/viewer";
import { seedMembers } from "./support/fixtures";
import { gql } from "./support/graphql-client";
import { startTestApp, type TestApp } from "./support/test-app";

const IDENTITY_KEY = "identity-key-0123456789abcdefghijklmnop";
const KEYS = ["A", "B", "OPT"];

describe("built-in gateway: FEDERATION_SUBGRAPHS composes amsgate with the LMS at /supergraph", () => {
  let lms: RunningLms;
  let amsgate: TestApp;
  let supergraph: string;
  let memberToken: string;

  before(async () => {
    lms = await startLmsSubgraph(sampleLmsData(KEYS), 0, "127.0.0.1", { secret: IDENTITY_KEY, audience: "lms" });
    amsgate = await startTestApp({ env: { FEDERATION_SUBGRAPHS: `lms=${lms.url}`, FEDERATION_IDENTITY_KEY: IDENTITY_KEY } });
    supergraph = `${amsgate.baseUrl}/supergraph`;
    await seedMembers(amsgate.app.database.dataSource, [
      { memberKey: "A", firstName: "Ann", lastName: "Able", email: "a@example.org" },
      { memberKey: "B", firstName: "Bea", lastName: "Baker", email: "b@example.org" },
      { memberKey: "OPT", firstName: "Oli", lastName: "Out", excludeFromDirectory: true },
    ]);
    memberToken = (await amsgate.app.sessions.issue("A", [Role.AUTHENTICATED, Role.MEMBER])).accessToken;
  });

  after(async () => {
    await amsgate?.stop();
    await lms?.stop();
  });

  it("joins both ways under the caller's rules", async () => {
    const answer = await gql(
      supergraph,
      `{ members { edges { node { key completions { course { code } } } } }
         course(code: "ETH-101") { enrollments { member { key displayName email } } } }`,
      {},
      memberToken,
    );
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    const data = sampleLmsData(KEYS);
    assert.deepEqual(
      answer.data!.members.edges.map((edge: { node: { key: string; completions: Array<{ course: { code: string } }> } }) => [
        edge.node.key,
        edge.node.completions.map((row) => row.course.code),
      ]),
      ["A", "B"].map((key) => [key, data.completions.filter((row) => row.memberKey === key).map((row) => row.courseCode)]),
    );
    assert.deepEqual(
      answer.data!.course.enrollments.map((row: { member: unknown }) => row.member),
      [{ key: "A", displayName: "Ann Able", email: "a@example.org" }, null],
    );
  });

  it("signs the caller's identity for the LMS: it knows who asks without seeing the credential", async () => {
    const mine = await gql(supergraph, `{ myEnrollments { course { code } member { key displayName } } }`, {}, memberToken);
    assert.equal(mine.errors, undefined, JSON.stringify(mine.errors));
    const expected = sampleLmsData(KEYS).enrollments.filter((row) => row.memberKey === "A");
    assert.ok(expected.length > 0);
    assert.deepEqual(
      mine.data!.myEnrollments,
      expected.map((row) => ({ course: { code: row.courseCode }, member: { key: "A", displayName: "Ann Able" } })),
    );
    const anonymous = await gql(supergraph, `{ myEnrollments { course { code } } }`);
    assert.deepEqual(anonymous.data!.myEnrollments, []);
  });

  it("keeps amsgate's error codes and the operation limits", async () => {
    const anonymous = await gql(supergraph, `{ members { totalCount } }`);
    assert.equal(anonymous.errors?.[0]?.extensions?.code, "UNAUTHENTICATED", JSON.stringify(anonymous.errors));
    const aliases = Array.from({ length: 20 }, (_, index) => `c${index}: courses { code }`).join(" ");
    const limited = await gql(supergraph, `{ ${aliases} }`, {}, memberToken);
    assert.equal(limited.errors?.[0]?.extensions?.code, "GRAPHQL_VALIDATION_FAILED", JSON.stringify(limited.errors));
  });

  it("leaves amsgate's own graph at /graphql as it was", async () => {
    const own = await gql(amsgate.url, `{ courses { code } }`, {}, memberToken);
    assert.equal(own.errors?.[0]?.extensions?.code, "GRAPHQL_VALIDATION_FAILED");
  });
});
