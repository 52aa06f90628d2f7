import type { EntityManager } from "typeorm";
import { chunks, findWhereIn, insertMany } from "../db/bulk-writes";
import { CompletionEntity } from "../db/entities/completion.entity";
import { WritebackOutboxEntity } from "../db/entities/writeback-outbox.entity";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Clock } from "../time/clock";
import { type CompletionInput, type ValidCompletion, validateCompletion } from "./completion-input";
import { type CompletionView, toCompletionView } from "./completion-view";
import { WritebackError, WritebackErrorCode } from "./writeback.error";

/** One input's outcome: accepted now, the same completion seen before, or refused. */
export type AcceptResult =
  | { idempotencyKey: string; outcome: "accepted" | "replayed"; completion: CompletionView }
  | { idempotencyKey: string; outcome: "refused"; error: WritebackError };

export interface CompletionIntakeDeps {
  transactions: TransactionRunner;
  clock: Clock;
  /** Called after a commit that accepted something (wakes the dispatcher, publishes). */
  onAccepted: (completions: CompletionView[]) => void;
}

/**
 * Accepts completions into the outbox. Accepted means committed: the completion and its outbox
 * row are written in one transaction. Each input is judged on its own (validation, member,
 * idempotency), so one bad input never blocks the others; an idempotency key seen before with the
 * same content answers as before and writes nothing, with other content it is a conflict.
 */
export class CompletionIntake {
  constructor(private readonly deps: CompletionIntakeDeps) {}

  async accept(inputs: readonly CompletionInput[]): Promise<AcceptResult[]> {
    const now = this.deps.clock.now();
    const results: Array<AcceptResult | undefined> = new Array(inputs.length);
    const candidates = new Map<string, { index: number; completion: ValidCompletion }>();
    const repeats: Array<{ index: number; completion: ValidCompletion }> = [];
    inputs.forEach((input, index) => {
      try {
        const completion = validateCompletion(input, now);
        const first = candidates.get(completion.idempotencyKey);
        if (first) repeats.push({ index, completion });
        else candidates.set(completion.idempotencyKey, { index, completion });
      } catch (error) {
        if (!(error instanceof WritebackError)) throw error;
        results[index] = { idempotencyKey: String(input.idempotencyKey ?? ""), outcome: "refused", error };
      }
    });
    const written = await this.deps.transactions.run((manager) => this.write(manager, [...candidates.values()], now));
    for (const [key, { index }] of candidates) results[index] = written.get(key)!;
    // A key twice in one call: the second is judged against the first.
    for (const { index, completion } of repeats) {
      const key = completion.idempotencyKey;
      results[index] = this.judgeRepeat(completion, candidates.get(key)!.completion, written.get(key)!);
    }
    const accepted = [...written.values()].flatMap((result) => (result.outcome === "accepted" ? [result.completion] : []));
    if (accepted.length > 0) this.deps.onAccepted(accepted);
    return results as AcceptResult[];
  }

  /** Inside one transaction: check members and earlier keys, insert the new ones, read back what stands. */
  private async write(
    manager: EntityManager,
    candidates: Array<{ completion: ValidCompletion }>,
    now: Date,
  ): Promise<Map<string, AcceptResult>> {
    const out = new Map<string, AcceptResult>();
    if (candidates.length === 0) return out;
    const keys = candidates.map((candidate) => candidate.completion.idempotencyKey);
    const before = new Map((await findWhereIn(manager, CompletionEntity, "idempotencyKey", keys)).map((row) => [row.idempotencyKey, row]));
    const fresh = candidates.map((candidate) => candidate.completion).filter((completion) => !before.has(completion.idempotencyKey));
    const members = await this.knownMembers(manager, [...new Set(fresh.map((completion) => completion.memberKey))]);
    const insert = fresh.filter((completion) => members.has(completion.memberKey));
    for (const completion of fresh) {
      if (members.has(completion.memberKey)) continue;
      const message = `No member with key "${completion.memberKey}" is in the cache; completion ${completion.idempotencyKey} was not recorded`;
      out.set(completion.idempotencyKey, refused(completion.idempotencyKey, WritebackErrorCode.MEMBER_NOT_FOUND, message));
    }
    // A key another request wrote meanwhile is left alone (the read-back below judges it). Not an
    // upsert setting the key to itself: MySQL compares keys ignoring case, so that would rewrite a
    // stored key's case. IGNORE can hide nothing else here: every value was validated to fit.
    const noop = { ignore: true } as const;
    await insertMany(
      manager,
      CompletionEntity,
      insert.map(({ contentHash, ...rest }) => ({ ...rest, contentHash, acceptedAt: now })),
      noop,
    );
    await insertMany(
      manager,
      WritebackOutboxEntity,
      insert.map((completion) => ({
        idempotencyKey: completion.idempotencyKey,
        memberKey: completion.memberKey,
        status: "PENDING" as const,
        attempts: 0,
        nextAttemptAt: now,
        leaseOwner: null,
        lastErrorCode: null,
        lastError: null,
        sentAt: null,
        updatedAt: now,
      })),
      noop,
    );
    const standingKeys = [...before.keys(), ...insert.map((completion) => completion.idempotencyKey)];
    const rows = new Map(
      (await findWhereIn(manager, CompletionEntity, "idempotencyKey", standingKeys)).map((row) => [row.idempotencyKey, row]),
    );
    const outbox = new Map(
      (await findWhereIn(manager, WritebackOutboxEntity, "idempotencyKey", standingKeys)).map((row) => [row.idempotencyKey, row]),
    );
    for (const { completion } of candidates) {
      const key = completion.idempotencyKey;
      if (out.has(key)) continue;
      const row = rows.get(key);
      const box = outbox.get(key);
      if (!row || !box) {
        // MySQL compares keys without regard to case: another key holds this one's place.
        const message = `idempotencyKey "${key}" differs only in letter case from a key already used; keys are compared ignoring case`;
        out.set(key, refused(key, WritebackErrorCode.IDEMPOTENCY_CONFLICT, message));
      } else if (row.contentHash !== completion.contentHash) out.set(key, conflict(key));
      else
        out.set(key, { idempotencyKey: key, outcome: before.has(key) ? "replayed" : "accepted", completion: toCompletionView(row, box) });
    }
    return out;
  }

  /** A key twice in one call: the same content answers like the first, other content conflicts. */
  private judgeRepeat(completion: ValidCompletion, first: ValidCompletion, firstResult: AcceptResult): AcceptResult {
    if (completion.contentHash !== first.contentHash) return conflict(completion.idempotencyKey);
    return firstResult.outcome === "accepted" ? { ...firstResult, outcome: "replayed" } : firstResult;
  }

  /** Which of these keys name a cached member: one narrow statement per few hundred keys. */
  private async knownMembers(manager: EntityManager, memberKeys: string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (const part of chunks(memberKeys, 400)) {
      const rows: Array<{ member_key: string }> = await manager.query(
        `SELECT member_key FROM members WHERE member_key IN (${part.map(() => "?").join(", ")})`,
        part,
      );
      for (const row of rows) known.add(row.member_key);
    }
    return known;
  }
}
function refused(idempotencyKey: string, code: WritebackErrorCode, message: string): AcceptResult {
  return { idempotencyKey, outcome: "refused", error: new WritebackError(code, message) };
}

function conflict(idempotencyKey: string): AcceptResult {
  return refused(
    idempotencyKey,
    WritebackErrorCode.IDEMPOTENCY_CONFLICT,
    `idempotencyKey "${idempotencyKey}" was already used for a completion with other content; use a new key for a new completion`,
  );
}
