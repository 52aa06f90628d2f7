import type { CompletionView } from "../../writeback/completion-view";
import type { AcceptResult } from "../../writeback/completion-intake";
import { RecordedCompletion, CompletionWriteback, RecordCompletionResult } from "./completion.types";

const instant = (text: string | null) => (text === null ? null : new Date(text));

export function toCompletion(view: CompletionView): RecordedCompletion {
  return Object.assign(new RecordedCompletion(), {
    idempotencyKey: view.idempotencyKey,
    memberKey: view.memberKey,
    activityKey: view.activityKey,
    title: view.title,
    completedAt: new Date(view.completedAt),
    credits: view.credits,
    creditType: view.creditType,
    acceptedAt: new Date(view.acceptedAt),
    writeback: Object.assign(new CompletionWriteback(), {
      status: view.status,
      attempts: view.attempts,
      lastErrorCode: view.lastErrorCode,
      lastError: view.lastError,
      nextAttemptAt: instant(view.nextAttemptAt),
      sentAt: instant(view.sentAt),
      updatedAt: new Date(view.updatedAt),
    }),
  });
}

export function toRecordResult(result: AcceptResult): RecordCompletionResult {
  if (result.outcome === "refused") {
    return Object.assign(new RecordCompletionResult(), {
      idempotencyKey: result.idempotencyKey,
      outcome: "REFUSED",
      completion: null,
      error: { code: result.error.code, message: result.error.message },
    });
  }
  return Object.assign(new RecordCompletionResult(), {
    idempotencyKey: result.idempotencyKey,
    outcome: result.outcome === "accepted" ? "ACCEPTED" : "REPLAYED",
    completion: toCompletion(result.completion),
    error: null,
  });
}
