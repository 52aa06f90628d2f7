import type { Logger } from "../observability/logger";
import type { LeaseStore } from "./lease-store";

export const LEADER_LEASE = "leader";

/** The lease each live process renews: runs it owns are being worked on while it holds it. */
export function processLease(instance: string): string {
  return `process:${instance}`;
}

/**
 * Which process leads (DESIGN §9): exactly one polls the AMS, sweeps and maintains, holding the
 * leader lease; any process takes it over once its holder stops renewing. Every process also
 * renews a lease of its own, which says its runs are still alive.
 */
export class Leadership {
  private leading = false;
  private renewing: Promise<boolean> | undefined;
  private renewedAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly leases: LeaseStore,
    readonly instance: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** Renews this process's leases (one renewal at a time); true while it leads. */
  renew(): Promise<boolean> {
    this.renewing ??= this.renewNow().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  /** Whether this process leads, renewing first unless it did within a third of the lease. */
  async leads(nowMs: number): Promise<boolean> {
    if (nowMs - this.renewedAtMs < this.ttlMs / 3) return this.leading;
    return this.renew();
  }

  private async renewNow(): Promise<boolean> {
    this.renewedAtMs = Number.NEGATIVE_INFINITY;
    await this.leases.acquire(processLease(this.instance), this.instance, this.ttlMs);
    const leading = await this.leases.acquire(LEADER_LEASE, this.instance, this.ttlMs);
    if (leading !== this.leading) {
      this.logger.info(
        { instance: this.instance },
        leading ? "this process now leads: it polls and sweeps" : "this process no longer leads",
      );
    }
    this.leading = leading;
    this.renewedAtMs = this.now();
    return leading;
  }

  /** Whether this process led at its last renewal. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** Hands both leases back at once (a clean stop), so another process leads without waiting. */
  async stepDown(): Promise<void> {
    if (this.leading) await this.leases.release(LEADER_LEASE, this.instance);
    await this.leases.release(processLease(this.instance), this.instance);
    this.leading = false;
  }
}
