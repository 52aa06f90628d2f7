import { createReadStream, writeFileSync } from "node:fs";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { loadImportCliConfig } from "../config/import-cli.config";
import { columnGuide, templateCsv } from "./member-csv.columns";
import type { ImportReport } from "./member-import";

interface Io {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = "usage: npm run import -- <file.csv> [--dry-run] [--mode merge|replace]";

/**
 * `npm run import -- file.csv`: sends the file to a running gateway's POST /admin/imports and
 * prints what it did. Exit 0 when every row was imported, 2 when rows were skipped, 1 when the
 * import was refused or the gateway could not be reached.
 */
export async function runImportCommand(argv: string[], io: Io): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{
      args: string[];
      allowPositionals: true;
      options: { "dry-run": { type: "boolean"; default: false }; mode: { type: "string"; default: string } };
    }>
  >;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { "dry-run": { type: "boolean", default: false }, mode: { type: "string", default: "merge" } },
    });
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
  const config = loadImportCliConfig(io.env);
  const url = `${config.gatewayUrl}/admin/imports?mode=${mode}&dryRun=${parsed.values["dry-run"] ? "true" : "false"}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${config.adminKey}`, "content-type": "text/csv" },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: "half",
    } as RequestInit);
  } catch (error) {
    io.stderr.write(`could not send ${file} to ${config.gatewayUrl}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const body = (await response.json().catch(() => ({}))) as ImportReport & { errors?: unknown };
  if (!response.ok) {
    const message = (body as unknown as { errors?: Array<{ message: string }> }).errors?.[0]?.message ?? `HTTP ${response.status}`;
    io.stderr.write(`import refused: ${message}\n`);
    return 1;
  }
  io.stdout.write(describe(body));
  return body.skipped > 0 ? 2 : 0;
}

function describe(report: ImportReport): string {
  const lines = [
    `${report.dryRun ? "dry run: " : ""}${report.rows} rows read, ${report.imported} ${report.dryRun ? "would be imported" : "imported"}, ${report.skipped} skipped (mode ${report.mode})`,
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
