import { realpathSync, statSync } from "node:fs";
import path from "node:path";
import { lock } from "proper-lockfile";
import { DatabaseError, DatabaseErrorCode } from "./database.error";

/** A holder refreshes its lock every half of this; a lock not refreshed for this long is abandoned. */
export const SQLITE_LOCK_STALE_MS = 10_000;

/**
 * The embedded database is an in-memory image written back to its file, so two processes on one
 * file silently overwrite each other's commits. One process holds `<file>.lock` while it runs.
 *
 * proper-lockfile: the lock is a directory made atomically with `mkdir` and kept fresh by
 * touching its mtime; a lock whose holder was killed stops being refreshed and is taken over
 * once it is {@link SQLITE_LOCK_STALE_MS} old. This works where a pid file does not: across
 * containers sharing a volume (each has its own pid 1) and after a pid is reused. It is released
 * on stop, and on exit by the library's exit hook.
 */
export class SqliteFileLock {
  private constructor(
    readonly lockPath: string,
    private readonly releaseLock: () => Promise<void>,
  ) {}

  /**
   * Takes the lock or refuses at once with a message naming the file. `onLost` hears of a lock
   * another process took over (this process stalled past the stale period) or that was removed.
   */
  static async acquire(file: string, onLost: (error: DatabaseError) => void): Promise<SqliteFileLock> {
    // Symlinked or relative spellings of one file must meet on one lock; the folder exists by now.
    const target = path.join(realpathSync(path.dirname(path.resolve(file))), path.basename(file));
    const lockPath = `${target}.lock`;
    try {
      const release = await lock(target, {
        realpath: false,
        lockfilePath: lockPath,
        stale: SQLITE_LOCK_STALE_MS,
        retries: 0,
        onCompromised: (cause) =>
          onLost(
            new DatabaseError(
              DatabaseErrorCode.SQLITE_LOCK_LOST,
              `Lost the lock ${lockPath} on SQLite file ${target}: another process may be writing it`,
              { cause },
            ),
          ),
      });
      return new SqliteFileLock(lockPath, release);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
      throw new DatabaseError(DatabaseErrorCode.SQLITE_LOCKED, lockedMessage(target, lockPath), { cause: error });
    }
  }

  async release(): Promise<void> {
    await this.releaseLock().catch((error: NodeJS.ErrnoException) => {
      // Already released or taken over: nothing of ours is left to remove.
      if (error.code !== "ERELEASED" && error.code !== "ENOTACQUIRED") throw error;
    });
  }
}

function lockedMessage(file: string, lockPath: string): string {
  let refreshed = "";
  try {
    refreshed = `, refreshed ${Math.max(0, Math.round((Date.now() - statSync(lockPath).mtimeMs) / 1000))}s ago`;
  } catch {
    // Gone meanwhile: the message stands without its age.
  }
  return (
    `SQLite file ${file} is in use by another process (lock ${lockPath}${refreshed}). ` +
    "One embedded SQLite file serves one amsgate process: stop the other one, give this one its own SQLITE_FILE, " +
    "or set DATABASE_URL to share a MySQL/MariaDB database between processes. " +
    `A lock left by a killed process is abandoned ${SQLITE_LOCK_STALE_MS / 1000}s after its last refresh.`
  );
}
