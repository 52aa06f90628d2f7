import { InitialSchema1795392000000 } from "./1795392000000-initial-schema";
import { SyncEngine1795392100000 } from "./1795392100000-sync-engine";
import { SignOn1795392200000 } from "./1795392200000-sign-on";
import { Leases1795392300000 } from "./1795392300000-leases";
import { Ingest1795392400000 } from "./1795392400000-ingest";
import { EducationJobs1795392500000 } from "./1795392500000-education-jobs";
import { Writeback1795392700000 } from "./1795392700000-writeback";
import { Purchases1795392800000 } from "./1795392800000-purchases";
import { QueueRuns1795393100000 } from "./1795393100000-queue-runs";

/** Every migration, oldest first. Listed, not globbed, so the compiled build finds them all. */
export const MIGRATIONS = [
  InitialSchema1795392000000,
  SyncEngine1795392100000,
  SignOn1795392200000,
  Leases1795392300000,
  Ingest1795392400000,
  EducationJobs1795392500000,
  Writeback1795392700000,
  Purchases1795392800000,
  QueueRuns1795393100000,
];
