import { type Request, type Response, Router } from "express";
import { AuthError } from "../../auth/auth.error";
import type { RequestAuthenticator } from "../../auth/request-authenticator";
import { hasRole, Role } from "../../auth/viewer";
import { ClientErrorCode } from "../../graph/errors";
import { ImportError, ImportErrorCode } from "../../imports/import.error";
import type { MemberImporter } from "../../imports/member-import";
import type { ImportMode } from "../../imports/member-csv.rows";
import type { Logger } from "../../observability/logger";
import { sendError } from "../json-errors";

export const IMPORTS_PATH = "/admin/imports";
/** Skipped rows listed in the HTTP answer; `importRun` lists them all. */
const ANSWER_ERRORS = 1_000;
const NDJSON = "application/x-ndjson";

interface ImportRouteDeps {
  authenticator: RequestAuthenticator;
  importer: MemberImporter;
  logger: Logger;
}

/**
 * `POST /admin/imports?mode=merge|replace&dryRun=true&force=true` with `Content-Type: text/csv` and an admin
 * API key as bearer: the body is streamed through the importer, never held whole.
 */
export function createImportRouter(deps: ImportRouteDeps): Router {
  const router = Router();
  router.post("/", (req, res, next) => void receive(deps, req, res).catch(next));
  return router;
}

async function receive(deps: ImportRouteDeps, req: Request, res: Response): Promise<void> {
  try {
    const viewer = await deps.authenticator.viewerFor(req.headers.authorization);
    if (viewer.kind === "anonymous") return sendError(res, 401, ClientErrorCode.UNAUTHENTICATED, "Imports need an admin API key as bearer");
    if (!hasRole(viewer, Role.ADMIN)) return sendError(res, 403, ClientErrorCode.FORBIDDEN, "Imports are for admins");
  } catch (error) {
    if (error instanceof AuthError) return sendError(res, 401, ClientErrorCode.UNAUTHENTICATED, "Imports need an admin API key as bearer");
    throw error;
  }
  if (!req.is("text/csv")) return sendError(res, 415, ClientErrorCode.BAD_REQUEST, "Send the file as Content-Type: text/csv");
  const mode = String(req.query.mode ?? "merge");
  if (mode !== "merge" && mode !== "replace") return sendError(res, 400, ClientErrorCode.BAD_REQUEST, "mode must be merge or replace");
  const dryRun = flag(req.query.dryRun);
  const force = flag(req.query.force);
  const progress = new ProgressLines(res, req.accepts(["application/json", NDJSON]) === NDJSON);
  try {
    const report = await deps.importer.run(req, {
      mode: mode as ImportMode,
      dryRun,
      force,
      onProgress: (p) => progress.write({ progress: p }),
    });
    progress.end({ ...report, errors: report.errors.slice(0, ANSWER_ERRORS) });
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    deps.logger.info({ code: error.code }, "a CSV import was refused");
    if (progress.started) return progress.fail(error.message);
    sendError(res, error.code === ImportErrorCode.REPLACE_LIMIT ? 409 : 400, ClientErrorCode.BAD_REQUEST, error.message);
  }
}

function flag(value: unknown): boolean {
  return ["1", "true"].includes(String(value ?? "false").toLowerCase());
}

/**
 * With `Accept: application/x-ndjson` the answer is one JSON line per batch (`{"progress":
 * {rows, imported, skipped}}`) and then the report; it starts only after the header (and a
 * replace's limit) passed, so those refusals are still plain 4xx answers. Otherwise one JSON body.
 */
class ProgressLines {
  started = false;

  constructor(
    private readonly res: Response,
    private readonly streaming: boolean,
  ) {}

  write(line: unknown): void {
    if (!this.streaming) return;
    if (!this.started) this.res.status(200).type(NDJSON);
    this.started = true;
    this.res.write(`${JSON.stringify(line)}\n`);
  }

  end(report: unknown): void {
    if (!this.streaming) {
      this.res.status(200).json(report);
      return;
    }
    this.write({ report });
    this.res.end();
  }

  /** Refused after the answer began: the last line says why (the run says so too). */
  fail(message: string): void {
    this.write({ errors: [{ message, extensions: { code: ClientErrorCode.BAD_REQUEST } }] });
    this.res.end();
  }
}
