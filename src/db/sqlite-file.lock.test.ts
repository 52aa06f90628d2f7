import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { DatabaseError, DatabaseErrorCode } from "./database.error";
import { SqliteFileLock } from "./sqlite-file.lock";

const noLoss = () => assert.fail("the lock was lost");

describe("SqliteFileLock", () => {
  it("refuses a second holder, also through a symlinked folder, until the first releases", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "amsgate-lockunit-"));
    mkdirSync(path.join(root, "data"));
    symlinkSync(path.join(root, "data"), path.join(root, "alias"));
    const held = await SqliteFileLock.acquire(path.join(root, "data", "a.sqlite"), noLoss);
    await assert.rejects(SqliteFileLock.acquire(path.join(root, "alias", "a.sqlite"), noLoss), (error: unknown) => {
      assert.ok(error instanceof DatabaseError);
      assert.equal(error.code, DatabaseErrorCode.SQLITE_LOCKED);
      assert.match(error.message, /a\.sqlite is in use by another process/);
      return true;
    });
    await held.release();
    await held.release();
    const again = await SqliteFileLock.acquire(path.join(root, "alias", "a.sqlite"), noLoss);
    await again.release();
  });
});
