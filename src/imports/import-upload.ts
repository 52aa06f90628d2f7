import { createReadStream } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { createInterface } from "node:readline";
import type { ImportProgress, ImportReport } from "./member-import";

export interface UploadAnswer {
  status: number;
  /** The report, on success. */
  report?: ImportReport;
  /** Why the gateway refused, on a refusal (the first error's message). */
  refusal?: string;
}

export interface UploadWatch {
  /** Bytes of the file sent so far. */
  onSent(bytes: number): void;
  /** A batch of rows the gateway took. */
  onProgress(progress: ImportProgress): void;
}

/**
 * Streams the file to POST /admin/imports asking for progress lines (application/x-ndjson), and
 * reads them while the file is still going up: node:http, because fetch gives no answer before
 * its request body has been sent.
 */
export function uploadCsv(url: URL, adminKey: string, file: string, watch: UploadWatch): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "text/csv", accept: "application/x-ndjson" },
    });
    req.on("error", reject);
    req.on("response", (res) => answerOf(res, watch).then(resolve, reject));
    let sent = 0;
    const body = createReadStream(file);
    body.on("data", (chunk) => {
      sent += chunk.length;
      watch.onSent(sent);
    });
    body.on("error", (error) => req.destroy(error));
    body.pipe(req);
  });
}

async function answerOf(res: IncomingMessage, watch: UploadWatch): Promise<UploadAnswer> {
  const status = res.statusCode ?? 0;
  const answer: UploadAnswer = { status };
  const streamed = String(res.headers["content-type"] ?? "").startsWith("application/x-ndjson");
  if (!streamed) {
    let text = "";
    for await (const chunk of res) text += String(chunk);
    const body = parsed(text) as (ImportReport & { errors?: unknown }) | undefined;
    if (status >= 200 && status < 300 && body) return { status, report: body };
    return { status, refusal: refusalOf(body) ?? `HTTP ${status}` };
  }
  for await (const line of createInterface({ input: res, crlfDelay: Number.POSITIVE_INFINITY })) {
    const message = parsed(line) as { progress?: ImportProgress; report?: ImportReport } | undefined;
    if (message?.progress) watch.onProgress(message.progress);
    else if (message?.report) answer.report = message.report;
    else if (message) answer.refusal = refusalOf(message) ?? "the gateway stopped the import";
  }
  if (!answer.report && !answer.refusal) answer.refusal = "the gateway's answer broke off before its report";
  return answer;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function refusalOf(body: unknown): string | undefined {
  const errors = (body as { errors?: Array<{ message?: string }> } | undefined)?.errors;
  return Array.isArray(errors) ? errors[0]?.message : undefined;
}
