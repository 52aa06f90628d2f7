/**
 * The import rules of DESIGN §7 and the layering of the README: arrows point down, no circles.
 * `npm run lint` fails on any violation.
 */
const LOWER = "^src/(config|time|db|sources|sync|writeback|sso|auth|observability|redis)/";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import circle, between files or through a chain of them.",
      from: { path: "^(src|test|scripts|bench)/" },
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "lower-layers-never-import-graph-or-http",
      severity: "error",
      comment: "config, time, db, sources, sync, writeback, sso, auth (and observability, redis) never import graph/ or http/.",
      from: { path: LOWER },
      to: { path: "^src/(graph|http)/" },
    },
    {
      name: "graph-never-imports-http",
      severity: "error",
      from: { path: "^src/graph/" },
      to: { path: "^src/http/" },
    },
    {
      name: "src-never-imports-tests",
      severity: "error",
      comment: "Production code never reaches test support, benchmarks or scripts.",
      from: { path: "^src/", pathNot: "\\.test\\.ts$" },
      to: { path: "^(test|bench|scripts)/" },
    },
    {
      name: "sources-know-no-database-or-sync",
      severity: "error",
      comment: "A source knows nothing of the database, sync, sign-on or GraphQL (DESIGN §1).",
      from: { path: "^src/sources/" },
      to: { path: "^src/(db|sync|sso|graph|http)/" },
    },
    {
      name: "time-and-config-stay-low",
      severity: "error",
      comment: "time/ depends on nothing of ours; config/ only on time/ and the source mappings it validates.",
      from: { path: "^src/(time|config)/", pathNot: "\\.test\\.ts$" },
      to: { path: "^src/(db|sync|sso|auth|graph|http|observability|redis)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(dist|node_modules)/" },
  },
};
