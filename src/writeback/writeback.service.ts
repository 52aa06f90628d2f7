import type { TransactionRunner } from "../db/transaction-runner";
import type { AmsSource } from "../sources/ams-source";
import type { AcceptResult, CompletionIntake } from "./completion-intake";
import type { CompletionInput } from "./completion-input";
import type { CompletionView } from "./completion-view";
import { WritebackError, WritebackErrorCode } from "./writeback.error";
import type { WritebackEvents } from "./writeback-events";
import type { WritebackOutbox } from "./writeback-outbox";
import type { WritebackStore } from "./writeback-store";

export interface WritebackServiceDeps {
  intake: CompletionIntake;
  store: WritebackStore;
  outbox: WritebackOutbox;
  transactions: TransactionRunner;
  events: WritebackEvents;
  source: AmsSource;
  maxBatchInputs: number;
  onRetried: () => void;
}

/** Most dead letters one listing returns. */
export const MAX_DEAD_LETTERS_LISTED = 500;

/** What the graph may ask of writeback. */
export class WritebackService {
  constructor(private readonly deps: WritebackServiceDeps) {}

  get maxBatchInputs(): number {
    return this.deps.maxBatchInputs;
  }

  /** Accepts completions, each judged on its own; refuses the whole call only when it is too large or nothing could ever be sent. */
  async record(inputs: readonly CompletionInput[]): Promise<AcceptResult[]> {
    if (!this.deps.source.writeBack) {
      throw new WritebackError(
        WritebackErrorCode.UNSUPPORTED,
        `This gateway's AMS source (${this.deps.source.name}) takes no writeback, so completions cannot be recorded`,
      );
    }
    if (inputs.length > this.deps.maxBatchInputs) {
      throw new WritebackError(
        WritebackErrorCode.TOO_MANY,
        `At most ${this.deps.maxBatchInputs} completions per call (got ${inputs.length}); send the rest in another call`,
      );
    }
    return this.deps.intake.accept(inputs);
  }

  byKeys(keys: readonly string[]): Promise<CompletionView[]> {
    return this.deps.store.byKeys(keys);
  }

  byMembers(memberKeys: readonly string[]): Promise<CompletionView[][]> {
    return this.deps.store.byMembers(memberKeys);
  }

  deadLetters(limit: number): Promise<CompletionView[]> {
    return this.deps.store.dead(Math.min(limit, MAX_DEAD_LETTERS_LISTED));
  }

  counts(): Promise<{ pending: number; dead: number }> {
    return this.deps.store.counts();
  }

  /** Dead letters back in the outbox (the named ones, or all), due now; answers them as they stand. */
  async retryDead(keys: readonly string[] | null): Promise<CompletionView[]> {
    const retried = await this.deps.transactions.run((manager) => this.deps.outbox.retryDead(manager, keys));
    const views = await this.deps.store.byKeys(retried);
    this.deps.events.changed(views);
    if (retried.length > 0) this.deps.onRetried();
    return views;
  }
}
