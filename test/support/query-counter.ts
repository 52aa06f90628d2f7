import type { Logger as TypeOrmLogger } from "typeorm";

/** Counts every SQL statement TypeORM sends; the batching tests read it. */
export class QueryCounter implements TypeOrmLogger {
  count = 0;
  readonly statements: string[] = [];
  private recording = false;

  /** Counts only while `work` runs, so background activity before or after never leaks in. */
  async measure<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    this.statements.length = 0;
    this.recording = true;
    try {
      const result = await work();
      return { result, statements: [...this.statements] };
    } finally {
      this.recording = false;
    }
  }

  logQuery(query: string): void {
    this.count += 1;
    if (this.recording) this.statements.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
