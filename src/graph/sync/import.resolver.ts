import { Max, Min } from "class-validator";
import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Int, ObjectType, Query, Resolver, Root } from "type-graphql";
import { Role } from "../../auth/viewer";
import { ImportRowErrorEntity } from "../../db/entities";
import type { GraphContext } from "../context";
import { toSyncRun } from "./sync.mapper";
import { SyncRun } from "./sync.types";

@ObjectType({ simpleResolvers: true, description: "A row a CSV import skipped." })
export class ImportRowError {
  @Field(() => Int, { description: "The row's number in the file; the header is row 1." }) row!: number;
  @Field(() => String, { nullable: true, description: "The column at fault, when one is." }) column!: string | null;
  @Field() reason!: string;
}

@ObjectType({ description: "A CSV import: its run (kind IMPORT, with its counts) and the rows it skipped." })
export class ImportRun {
  @Field(() => ID) id!: string;
  @Field(() => SyncRun) run!: SyncRun;
  @Field(() => Int, { description: "Skipped rows the gateway kept (at most 10,000 per import)." }) errorCount!: number;
}

@ArgsType()
class RowErrorArgs {
  @Field(() => Int, { defaultValue: 100 })
  @Min(1)
  @Max(1_000)
  first!: number;

  @Field(() => Int, { defaultValue: 0, description: "How many errors to pass over first." })
  @Min(0)
  offset!: number;
}

@Resolver(() => ImportRun)
export class ImportRunResolver {
  @Authorized(Role.ADMIN)
  @Query(() => ImportRun, { nullable: true, description: "A CSV import (POST /admin/imports) by its run id: counts and skipped rows." })
  async importRun(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext): Promise<ImportRun | null> {
    const run = await ctx.services.sync.run(id);
    if (run?.kind !== "IMPORT") return null;
    return Object.assign(new ImportRun(), { id, run: toSyncRun(run), errorCount: 0 });
  }

  @Authorized(Role.ADMIN)
  @FieldResolver(() => [ImportRowError], { description: "Skipped rows, in file order." })
  async rowErrors(@Root() importRun: ImportRun, @Args() args: RowErrorArgs, @Ctx() ctx: GraphContext): Promise<ImportRowError[]> {
    const rows = await ctx.services.dataSource.getRepository(ImportRowErrorEntity).find({
      where: { runId: importRun.id },
      order: { position: "ASC" },
      skip: args.offset,
      take: args.first,
    });
    return rows.map((row) => Object.assign(new ImportRowError(), { row: row.rowNumber, column: row.columnName, reason: row.reason }));
  }

  @Authorized(Role.ADMIN)
  @FieldResolver(() => Int)
  async errorCount(@Root() importRun: ImportRun, @Ctx() ctx: GraphContext): Promise<number> {
    return ctx.services.dataSource.getRepository(ImportRowErrorEntity).countBy({ runId: importRun.id });
  }
}
