import type { FederationResult } from "../federation/federation.scenario";
import { formatSpread } from "../support/stats";

/** The federation section of the summary: statement counts, then throughput as a ratio to the page query. */
export function formatFederation(result: FederationResult): string {
  const ratio = result.requestsPerSecond.entities.median / result.requestsPerSecond.page.median;
  const counts = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([refs, statements]) => `${refs}: ${statements}`)
      .join(", ");
  return [
    `### Federation: \`_entities\` with ${result.references} Member references`,
    "",
    `SQL statements per request (by number of references): \`_entities\` ${counts(result.entitiesStatements)}; \`members(first)\` ${counts(result.pageStatements)}.`,
    "",
    "| operation | req/s, one client (median, min–max) |",
    "|---|---|",
    `| \`_entities\` (${result.references} refs) | ${formatSpread(result.requestsPerSecond.entities, 1)} |`,
    `| \`members(first: ${result.references})\` | ${formatSpread(result.requestsPerSecond.page, 1)} |`,
    "",
    `\`_entities\` / page: **${ratio.toFixed(2)}×**.`,
  ].join("\n");
}
