import type { SourceConfig } from "../config/source.config";
import type { Logger } from "../observability/logger";
import type { Clock } from "../time/clock";
import type { AmsSource } from "./ams-source";
import { ChangeSimulator, type IntervalTimers } from "./demo/change-simulator";
import { DemoAssociation } from "./demo/demo-association";
import { DemoSource } from "./demo/demo.source";
import { PersonifySource } from "./personify/personify.source";
import { ImisSource } from "./imis/imis.source";
import { RestSource } from "./rest/rest.source";
import { SalesforceSource } from "./salesforce/salesforce.source";
import { type CachedMemberReader, SpreadsheetSource } from "./spreadsheet/spreadsheet.source";

export interface SourceDeps {
  clock: Clock;
  logger: Logger;
  /** Randomness for the demo's change simulator and for retry jitter; `Math.random` by default. */
  random?: () => number;
  /** The demo change simulator's timers; real (unreferenced) timers by default. */
  timers?: IntervalTimers;
  /** What `AMS_SOURCE=spreadsheet` reads members from: the cache. */
  cachedMembers?: CachedMemberReader;
}

/**
 * The configured AMS source. The demo source starts its change simulator (when its interval is
 * above 0) and stops it on `close()`.
 */
export function createSource(config: SourceConfig, deps: SourceDeps): AmsSource {
  if (config.kind === "rest") {
    return new RestSource(config.rest, { logger: deps.logger.child({ source: "rest" }), random: deps.random });
  }
  if (config.kind === "personify") {
    return new PersonifySource(config.personify, { logger: deps.logger.child({ source: "personify" }), random: deps.random });
  }
  if (config.kind === "imis") {
    const clock = deps.clock;
    return new ImisSource(config.imis, {
      logger: deps.logger.child({ source: "imis" }),
      random: deps.random,
      now: () => clock.now().getTime(),
    });
  }
  if (config.kind === "salesforce") {
    return new SalesforceSource(config.salesforce, {
      logger: deps.logger.child({ source: "salesforce" }),
      clock: deps.clock,
      random: deps.random,
    });
  }
  if (config.kind === "spreadsheet") {
    if (!deps.cachedMembers) throw new Error("The spreadsheet source reads the cache: pass cachedMembers");
    return new SpreadsheetSource(deps.cachedMembers);
  }
  const { demo } = config;
  const association = new DemoAssociation({ seed: demo.seed, members: demo.members, clock: deps.clock });
  const simulator = new ChangeSimulator({
    association,
    changesPerTick: demo.changesPerTick,
    changeIntervalMs: demo.changeIntervalMs,
    random: deps.random,
    timers: deps.timers,
    logger: deps.logger.child({ source: "demo" }),
  });
  simulator.start();
  return new DemoSource(association, { onClose: () => simulator.stop() });
}
