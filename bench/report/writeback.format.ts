import type { WritebackResult } from "../writeback/writeback.scenario";
import { formatSpread, spreadOf } from "../support/stats";

export function formatWriteback(result: WritebackResult): string {
  const figure = (pick: (run: WritebackResult["runs"][number]) => number, digits = 0) =>
    formatSpread(spreadOf(result.runs.map(pick)), digits);
  return [
    `### Writeback: ${result.completions.toLocaleString("en-US")} completions, ${result.batch} per call, ${result.concurrency} in flight`,
    "",
    "| variant | completions/s, median (min–max) | ratio to raw insert (×) |",
    "|---|---:|---:|",
    `| accepted through recordCompletions over HTTP | ${figure((run) => run.acceptedPerS)} | ${figure((run) => run.acceptedPerS / run.rawInsertPerS, 2)} |`,
    `| dispatched to a local fake AMS (claim, POST /activities, mark sent) | ${figure((run) => run.dispatchedPerS)} | ${figure((run) => run.dispatchedPerS / run.rawInsertPerS, 2)} |`,
    `| raw mysql2 insert into completions + writeback_outbox, same batches | ${figure((run) => run.rawInsertPerS)} | 1.00 |`,
  ].join("\n");
}
