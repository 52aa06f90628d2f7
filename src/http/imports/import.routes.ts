import { type Request, type Response, Router } from "express";
import { AuthError } from "../../auth/auth.error";
import type { RequestAuthenticator } from "../../auth/request-authenticator";
import { hasRole, Role } from "../../auth/viewer";
import { ClientErrorCode } from "../../graph/errors";
import { ImportError } from "../../imports/import.error";
import type { MemberImporter } from "../../imports/member-import";
import type { ImportMode } from "../../imports/member-csv.rows";
import type { Logger } from "../../observability/logger";
import { sendError } from "../json-errors";

export const IMPORTS_PATH = "/admin/imports";
/** Skipped rows listed in the HTTP answer; `importRun` lists them all. */
const ANSWER_ERRORS = 1_000;

interface ImportRouteDeps {
  authenticator: RequestAuthenticator;
  importer: MemberImporter;
  logger: Logger;
}

/**
 * `POST /admin/imports?mode=merge|replace&dryRun=true` with `Content-Type: text/csv` and an admin
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
  const dryRun = ["1", "true"].includes(String(req.query.dryRun ?? "false").toLowerCase());
  try {
    const report = await deps.importer.run(req, { mode: mode as ImportMode, dryRun });
    res.status(200).json({ ...report, errors: report.errors.slice(0, ANSWER_ERRORS) });
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    deps.logger.info({ code: error.code }, "a CSV import was refused");
    sendError(res, 400, ClientErrorCode.BAD_REQUEST, error.message);
  }
}
