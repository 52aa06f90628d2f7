import type { Logger } from "../observability/logger";
import type { Clock } from "../time/clock";
import type { Timers } from "../time/timers";

/** What `/readyz` reports of the built-in gateway's composition. */
export interface CompositionStatus {
  /** `degraded`: the last attempt failed and the last good supergraph is still served. */
  state: "ok" | "degraded";
  lastComposedAt: string | null;
  lastAttemptAt: string | null;
  reason: string | null;
}

type Update = (supergraphSdl: string) => void;

/**
 * Composes the supergraph at start and again every `intervalMs` (injected timers), and hands each
 * new result to every Apollo Gateway that asked (through the `supergraphSdl` function option and
 * its `update` callback). A composition error or an unreachable subgraph keeps the last good
 * supergraph: it is logged and reported, never thrown at the gateway.
 */
export class SupergraphComposer {
  private current: string | undefined;
  private readonly updates = new Set<Update>();
  private timer: unknown;
  private stopped = false;
  private status: CompositionStatus = { state: "ok", lastComposedAt: null, lastAttemptAt: null, reason: null };

  constructor(
    private readonly compose: () => Promise<string>,
    /** amsgate's graph alone: served from start until the subgraphs first compose. */
    private readonly composeLocal: () => Promise<string>,
    private readonly intervalMs: number,
    private readonly timers: Timers,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * The first composition. A subgraph that is down or does not compose at start must not keep the
   * gateway down: amsgate's own graph is served alone, reported degraded, until a scheduled attempt
   * composes them all.
   */
  async start(): Promise<void> {
    const at = this.clock.now().toISOString();
    try {
      this.current = await this.compose();
      this.status = { state: "ok", lastComposedAt: at, lastAttemptAt: at, reason: null };
    } catch (error) {
      const reason = `${error instanceof Error ? error.message : String(error)} (serving amsgate's own graph until the subgraphs compose)`;
      this.current = await this.composeLocal();
      this.logger.warn({ reason }, "supergraph composition failed at start; serving amsgate's own graph");
      this.status = { state: "degraded", lastComposedAt: null, lastAttemptAt: at, reason };
    }
    this.schedule();
  }

  /** The `supergraphSdl` option of `ApolloGateway`. */
  readonly supergraphSdl = async ({ update }: { update: Update }) => {
    if (this.current === undefined) throw new Error("the supergraph composer has not started");
    this.updates.add(update);
    return { supergraphSdl: this.current, cleanup: async () => void this.updates.delete(update) };
  };

  report(): CompositionStatus {
    return { ...this.status };
  }

  /** One scheduled attempt (tests call it through the timers). */
  async recompose(): Promise<void> {
    const at = this.clock.now().toISOString();
    try {
      const sdl = await this.compose();
      if (sdl !== this.current) {
        // A gateway refuses a supergraph it cannot plan with by throwing here: keep the last good one.
        for (const update of this.updates) update(sdl);
        this.current = sdl;
        this.logger.info("supergraph recomposed: the subgraphs changed");
      }
      this.status = { state: "ok", lastComposedAt: at, lastAttemptAt: at, reason: null };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (this.status.state === "ok") this.logger.warn({ reason }, "supergraph composition failed; serving the last good supergraph");
      this.status = { ...this.status, state: "degraded", lastAttemptAt: at, reason };
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      void this.recompose().finally(() => this.schedule());
    }, this.intervalMs);
  }
}
