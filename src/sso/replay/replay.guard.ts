import type { Clock } from "../../time/clock";

/**
 * Remembers single-use token ids. `claim` answers true exactly once per id while the id is
 * remembered, and must remember it at least until `expiresAt`, after which the token is refused
 * as expired anyway. A guard that cannot answer (storage down, full) throws; the caller then
 * refuses the sign-on rather than risk a replay.
 */
export interface ReplayGuard {
  /** True when this is the first use of `tokenId`; false when it was claimed before. */
  claim(tokenId: string, expiresAt: Date): Promise<boolean>;
}

/** Thrown by {@link InMemoryReplayGuard} when every slot holds an id that has not expired yet. */
export class ReplayGuardFullError extends Error {
  constructor(capacity: number) {
    super(`the replay guard holds ${capacity} unexpired token ids and cannot take another`);
    this.name = "ReplayGuardFullError";
  }
}

/**
 * A {@link ReplayGuard} in this process's memory: for tests and single-process development.
 * Bounded: when full it first forgets expired ids, and if none have expired it refuses to answer
 * (throws) instead of forgetting an id that could still be replayed.
 */
export class InMemoryReplayGuard implements ReplayGuard {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    /** Most ids held at once. */
    readonly capacity = 100_000,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a whole number of at least 1");
  }

  async claim(tokenId: string, expiresAt: Date): Promise<boolean> {
    const now = this.clock.now().getTime();
    const known = this.expiries.get(tokenId);
    if (known !== undefined && known > now) return false;
    if (known === undefined && this.expiries.size >= this.capacity) {
      this.forgetExpired(now);
      if (this.expiries.size >= this.capacity) throw new ReplayGuardFullError(this.capacity);
    }
    this.expiries.set(tokenId, expiresAt.getTime());
    return true;
  }

  /** How many ids are held, expired or not; for tests and metrics. */
  get size(): number {
    return this.expiries.size;
  }

  private forgetExpired(now: number): void {
    for (const [tokenId, expiry] of this.expiries) {
      if (expiry <= now) this.expiries.delete(tokenId);
    }
  }
}
