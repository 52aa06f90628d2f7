import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { type ForwardedIdentity, IDENTITY_HEADER, type IdentityKey, verifyIdentity } from "../../src/auth/identity-token";
import type { Completion, Course, Enrollment, LmsData } from "./lms.data";

/**
 * A learning-management system as a second subgraph: it adds `completions` and `enrollments` to
 * amsgate's `Member` (by its key) and points its own records back at members, whose fields the
 * router fetches from amsgate with the caller's credentials.
 */
export const LMS_TYPE_DEFS = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Member @key(fields: "key") {
    key: ID!
    "Courses this member finished, oldest first."
    completions: [Completion!]!
    "Courses this member signed up for."
    enrollments: [Enrollment!]!
  }

  type Course {
    code: ID!
    title: String!
    credits: Float!
    "Who is enrolled; a member amsgate does not show the caller comes back null."
    enrollments: [Enrollment!]!
  }

  enum EnrollmentStatus { ACTIVE COMPLETED WITHDRAWN }

  type Enrollment {
    course: Course!
    "Null when amsgate does not let the caller see this member."
    member: Member
    enrolledOn: String!
    status: EnrollmentStatus!
  }

  type Completion {
    course: Course!
    member: Member
    completedOn: String!
    score: Int!
  }

  type Query {
    courses: [Course!]!
    course(code: ID!): Course
    "Completions on or after a day (YYYY-MM-DD), newest first."
    recentCompletions(since: String!): [Completion!]!
    "The caller's enrollments, from the identity amsgate's built-in gateway signs; empty without one."
    myEnrollments: [Enrollment!]!
  }
`);

/** The LMS's resolvers over `data`; members are handed to the router as references by key. */
export function lmsResolvers(data: LmsData) {
  type Context = { identity: ForwardedIdentity | null };
  const courseOf = (code: string) => data.courses.find((course) => course.code === code)!;
  const memberRef = (row: { memberKey: string }) => ({ __typename: "Member", key: row.memberKey });
  return {
    Query: {
      courses: () => data.courses,
      course: (_: unknown, args: { code: string }) => data.courses.find((course) => course.code === args.code) ?? null,
      recentCompletions: (_: unknown, args: { since: string }) =>
        data.completions.filter((row) => row.completedOn >= args.since).sort((a, b) => b.completedOn.localeCompare(a.completedOn)),
      myEnrollments: (_: unknown, _args: unknown, ctx: Context) =>
        data.enrollments.filter((row) => ctx.identity?.memberKey != null && row.memberKey === ctx.identity.memberKey),
    },
    Member: {
      // The LMS knows nothing of a member but the key: amsgate decides who exists and who may see whom.
      __resolveReference: (reference: { key: string }) => ({ key: reference.key }),
      completions: (member: { key: string }) =>
        data.completions.filter((row) => row.memberKey === member.key).sort((a, b) => a.completedOn.localeCompare(b.completedOn)),
      enrollments: (member: { key: string }) => data.enrollments.filter((row) => row.memberKey === member.key),
    },
    Course: {
      enrollments: (course: Course) => data.enrollments.filter((row) => row.courseCode === course.code),
    },
    Enrollment: { course: (row: Enrollment) => courseOf(row.courseCode), member: memberRef },
    Completion: { course: (row: Completion) => courseOf(row.courseCode), member: memberRef },
  };
}

export interface RunningLms {
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves the LMS subgraph at `/` on `host:port` (0 picks a free port). With `identityKey`, the
 * caller's identity is read from the header amsgate's built-in gateway signs (`verifyIdentity`).
 */
export async function startLmsSubgraph(data: LmsData, port: number, host = "127.0.0.1", identityKey?: IdentityKey): Promise<RunningLms> {
  const schema = buildSubgraphSchema([{ typeDefs: LMS_TYPE_DEFS, resolvers: lmsResolvers(data) as never }]);
  // Federated tracing is for a router that reports to Apollo GraphOS; this example reports nothing.
  const server = new ApolloServer({ schema, stopOnTerminationSignals: false, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(server, {
    listen: { port, host },
    context: async ({ req }) => {
      const header = req.headers[IDENTITY_HEADER];
      const token = Array.isArray(header) ? header[0] : header;
      // An unsigned, forged or expired identity is nobody: the LMS's own rules decide what nobody sees.
      const identity = identityKey ? await verifyIdentity(token, identityKey).catch(() => null) : null;
      return { identity };
    },
  });
  return { url, stop: () => server.stop() };
}
