import { statSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadImportCliConfig } from "../config/import-cli.config";
import { progressView } from "./import-progress";
import { type UploadAnswer, uploadCsv } from "./import-upload";
import { columnGuide, templateCsv } from "./member-csv.columns";
import type { ImportReport } from "./member-import";

interface Io {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** For the pace of plain progress lines; `Date.now` by default. */
  now?: () => number;
}

const USAGE = "usage: npm run import -- <file.csv> [--dry-run] [--mode merge|replace] [--force]";

const OPTIONS = {
  "dry-run": { type: "boolean", default: false },
  force: { type: "boolean", default: false },
  mode: { type: "string", default: "merge" },
} as const;

/**
 * `npm run import -- file.csv`: streams the file to a running gateway's POST /admin/imports,
 * shows its progress on stderr, and prints what it did. Exit 0 when every row was imported, 2
 * when rows were skipped, 1 when the import was refused or the gateway could not be reached.
 */
export async function runImportCommand(argv: string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 1;
  }
  const [file] = parsed.positionals;
  const mode = parsed.values.mode;
  if (!file || (mode !== "merge" && mode !== "replace")) {
    io.stderr.write(`${USAGE}\n`);
    return 1;
  }
  let bytes: number;
  try {
    bytes = statSync(file).size;
  } catch (error) {
    io.stderr.write(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const config = loadImportCliConfig(io.env);
  const url = new URL(`${config.gatewayUrl}/admin/imports`);
  url.search = new URLSearchParams({ mode, dryRun: String(parsed.values["dry-run"]), force: String(parsed.values.force) }).toString();
  const view = progressView(io.stderr, bytes, io.now ?? Date.now);
  let answer: UploadAnswer;
  try {
    answer = await uploadCsv(url, config.adminKey, file, { onSent: (sent) => view.sent(sent), onProgress: (p) => view.progress(p) });
  } catch (error) {
    io.stderr.write(`could not send ${file} to ${config.gatewayUrl}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    view.stop();
  }
  if (!answer.report) {
    io.stderr.write(`import refused: ${answer.refusal ?? `HTTP ${answer.status}`}\n`);
    return 1;
  }
  io.stdout.write(describe(answer.report));
  return answer.report.skipped > 0 ? 2 : 0;
}

function describe(report: ImportReport): string {
  const lines = [
    `${report.dryRun ? "dry run: " : ""}${report.rows} rows read, ${report.imported} ${report.dryRun ? "would be imported" : "imported"}, ${report.skipped} skipped (mode ${report.mode})`,
    ...(report.mode === "replace"
      ? [`${report.disabled} members left out of the file ${report.dryRun ? "would be" : "were"} disabled`]
      : []),
    ...(report.runId ? [`run ${report.runId} (query importRun(id: "${report.runId}") for every skipped row)`] : []),
    ...report.errors.map((error) => `row ${error.row}${error.column ? `, column ${error.column}` : ""}: ${error.reason}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** `npm run import:template [-- path]`: writes the template CSV and prints what each column means. */
export function runTemplateCommand(argv: string[], io: Pick<Io, "stdout">): number {
  const target = argv[0] ?? "member-import-template.csv";
  writeFileSync(target, templateCsv());
  io.stdout.write(`wrote ${target}\n\n${columnGuide()}\n`);
  return 0;
}
