import type { DataSource, EntityManager } from "typeorm";
import { chunks, findWhereIn } from "../db/bulk-writes";
import { CompletionEntity } from "../db/entities/completion.entity";
import { WritebackOutboxEntity } from "../db/entities/writeback-outbox.entity";
import { type CompletionView, toCompletionView } from "./completion-view";

/** Reads of completions with their outbox rows; one statement pair per call, whatever the count. */
export class WritebackStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Reads outside any transaction. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** The completions under these idempotency keys (those that exist), in no order. */
  async byKeys(keys: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<CompletionView[]> {
    if (keys.length === 0) return [];
    const [completions, outbox] = await Promise.all([
      findWhereIn(manager, CompletionEntity, "idempotencyKey", keys),
      findWhereIn(manager, WritebackOutboxEntity, "idempotencyKey", keys),
    ]);
    return join(completions, outbox);
  }

  /** Every completion of each member, newest first, in the order of `memberKeys`. */
  async byMembers(memberKeys: readonly string[]): Promise<CompletionView[][]> {
    const completions: CompletionEntity[] = [];
    for (const part of chunks(memberKeys, 400)) {
      completions.push(
        ...(await this.dataSource
          .getRepository(CompletionEntity)
          .createQueryBuilder("c")
          .where("c.memberKey IN (:...part)", { part })
          .orderBy("c.completedAt", "DESC")
          .addOrderBy("c.idempotencyKey", "ASC")
          .getMany()),
      );
    }
    const outbox = await findWhereIn(
      this.dataSource.manager,
      WritebackOutboxEntity,
      "idempotencyKey",
      completions.map((row) => row.idempotencyKey),
    );
    const views = join(completions, outbox);
    const byMember = new Map<string, CompletionView[]>(memberKeys.map((key) => [key, []]));
    for (const view of views) byMember.get(view.memberKey)?.push(view);
    return memberKeys.map((key) => byMember.get(key) ?? []);
  }

  /** Dead letters, most recently failed first. */
  async dead(limit: number): Promise<CompletionView[]> {
    const outbox = await this.dataSource
      .getRepository(WritebackOutboxEntity)
      .createQueryBuilder("o")
      .where("o.status = :dead", { dead: "DEAD" })
      .orderBy("o.updatedAt", "DESC")
      .addOrderBy("o.idempotencyKey", "ASC")
      .limit(limit)
      .getMany();
    const completions = await findWhereIn(
      this.dataSource.manager,
      CompletionEntity,
      "idempotencyKey",
      outbox.map((row) => row.idempotencyKey),
    );
    const views = new Map(join(completions, outbox).map((view) => [view.idempotencyKey, view]));
    return outbox.map((row) => views.get(row.idempotencyKey)).filter((view): view is CompletionView => view !== undefined);
  }

  /** How many rows wait (PENDING or SENDING) and how many are dead, for status and metrics. */
  async counts(): Promise<{ pending: number; dead: number }> {
    const rows: Array<{ status: string; n: number | string }> = await this.dataSource
      .getRepository(WritebackOutboxEntity)
      .createQueryBuilder("o")
      .select("o.status", "status")
      .addSelect("COUNT(*)", "n")
      .where("o.status IN (:...open)", { open: ["PENDING", "SENDING", "DEAD"] })
      .groupBy("o.status")
      .getRawMany();
    const count = (status: string) => Number(rows.find((row) => row.status === status)?.n ?? 0);
    return { pending: count("PENDING") + count("SENDING"), dead: count("DEAD") };
  }
}

/** Completions beside their outbox rows, completions order kept; a completion never lacks one (same transaction). */
function join(completions: CompletionEntity[], outbox: WritebackOutboxEntity[]): CompletionView[] {
  const rows = new Map(outbox.map((row) => [row.idempotencyKey, row]));
  return completions.flatMap((completion) => {
    const row = rows.get(completion.idempotencyKey);
    return row ? [toCompletionView(completion, row)] : [];
  });
}
