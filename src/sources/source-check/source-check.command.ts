import { parseArgs } from "node:util";
import { ConfigError } from "../../config/config.error";
import { loadConfig } from "../../config/config";
import { createLogger } from "../../observability/logger";
import { SystemClock } from "../../time/clock";
import type { AmsSource, ChangedEventsPage, MemberChange } from "../ams-source";
import { createSource } from "../create-source";
import {
  describeFailure,
  describeFetch,
  describeInvalid,
  describeListing,
  describeRecord,
  describeSource,
  type ListingRead,
} from "./source-check.report";

export interface CommandOutput {
  write(text: string): void;
}

export interface SourceCheckIo {
  /** The environment, read by `loadConfig` exactly as the gateway reads it. */
  env: Record<string, string | undefined>;
  /** The report. */
  stdout: CommandOutput;
  /** Usage, the error line, and the source's own log lines (JSON). */
  stderr: CommandOutput;
}

interface Options {
  maxPages: number;
  sample: number;
  verbose: boolean;
}

/** Exit codes, documented in the README. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID_RECORDS = 2;

const USAGE = "usage: npm run source:check -- [--pages N | --all] [--sample N] [--verbose]\n";
const DEFAULT_PAGES = 10;
const DEFAULT_SAMPLE = 5;

function parseOptions(args: readonly string[]): Options | string {
  let parsed: { pages?: string; all?: boolean; sample?: string; verbose?: boolean };
  try {
    parsed = parseArgs({
      args: [...args],
      options: { pages: { type: "string" }, all: { type: "boolean" }, sample: { type: "string" }, verbose: { type: "boolean" } },
    }).values;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const count = (text: string | undefined, fallback: number, name: string) => {
    if (text === undefined) return fallback;
    return /^\d+$/.test(text) && Number(text) >= 1 ? Number(text) : `--${name} takes a whole number of at least 1, got "${text}"`;
  };
  const pages = parsed.all ? Number.POSITIVE_INFINITY : count(parsed.pages, DEFAULT_PAGES, "pages");
  const sample = count(parsed.sample, DEFAULT_SAMPLE, "sample");
  if (typeof pages === "string") return pages;
  if (typeof sample === "string") return sample;
  return { maxPages: pages, sample, verbose: parsed.verbose === true };
}

/**
 * `npm run source:check`: what a first poll of the configured source would see, read without
 * writing anything (no database is opened). Lists changed members up to a page limit, fetches one
 * batch of them and shows a few mapped records, reports missing and invalid records with their
 * reasons, and counts events. Never prints the API key. Returns the exit code: 0 all read, 1 a
 * call or the configuration failed, 2 every call answered but some records were invalid.
 */
export async function runSourceCheck(args: readonly string[], io: SourceCheckIo): Promise<number> {
  const options = parseOptions(args);
  if (typeof options === "string") {
    io.stderr.write(`${options}\n${USAGE}`);
    return EXIT_FAILED;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return EXIT_FAILED;
  }
  const logger = createLogger(config.logLevel, { write: (line: string) => io.stderr.write(line) });
  const source = createSource(config.source, { clock: new SystemClock(config.timeZone), logger });
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(`source: ${describeSource(config.source)} (read only: nothing is written)`);
  try {
    return await check(source, options, out, io.stderr);
  } finally {
    await source.close?.();
  }
}

async function check(source: AmsSource, options: Options, out: (line: string) => void, stderr: CommandOutput): Promise<number> {
  let step = "listing changed members";
  try {
    const { read, keys } = await readChanges(source, options.maxPages);
    out(describeListing("changed members", read));
    const batch = keys.slice(0, source.maxBatchSize);
    let invalid = 0;
    if (batch.length > 0) {
      step = `fetching ${batch.length} members`;
      invalid += await reportFetch(source, batch, options, out);
    }
    step = "listing events";
    invalid += await reportEvents(source, options.maxPages, out);
    out(invalid === 0 ? "result: OK" : `result: ${invalid} invalid record(s)`);
    return invalid === 0 ? EXIT_OK : EXIT_INVALID_RECORDS;
  } catch (error) {
    stderr.write(`${describeFailure(step, error)}\n`);
    out("result: FAILED");
    return EXIT_FAILED;
  }
}

/** Reads at most `maxPages` pages; keeps the keys of the first batch-worth only (memory stays flat). */
async function readChanges(source: AmsSource, maxPages: number): Promise<{ read: ListingRead; keys: string[] }> {
  const seen = new Set<string>();
  const keys: string[] = [];
  const read: ListingRead = { entries: 0, distinctKeys: 0, pages: 0, complete: true };
  for await (const page of source.changedMembers(null)) {
    read.pages += 1;
    countPage(page, read, seen, keys, source.maxBatchSize);
    // Leaving the loop stops the listing: no page past the limit is requested.
    if (read.pages === maxPages) {
      read.complete = false;
      break;
    }
  }
  read.distinctKeys = seen.size;
  return { read, keys };
}

function countPage(page: MemberChange[], read: ListingRead, seen: Set<string>, keys: string[], keep: number): void {
  read.entries += page.length;
  for (const change of page) {
    if (seen.has(change.memberKey)) continue;
    seen.add(change.memberKey);
    if (keys.length < keep) keys.push(change.memberKey);
  }
}

async function reportFetch(source: AmsSource, batch: string[], options: Options, out: (line: string) => void): Promise<number> {
  const fetched = await source.fetchMembers(batch);
  out(describeFetch(batch.length, fetched));
  const shown = fetched.members.slice(0, options.sample);
  if (shown.length > 0)
    out(`sample (${shown.length} of ${fetched.members.length}${options.verbose ? "" : "; --verbose adds contact data"}):`);
  for (const record of shown) out(`  ${describeRecord(record, options.verbose)}`);
  for (const key of fetched.missing) out(`  missing: ${key}: the AMS says this member no longer exists`);
  for (const { memberKey, error } of fetched.invalid) out(`  invalid: ${describeInvalid(memberKey, error)}`);
  return fetched.invalid.length;
}

async function reportEvents(source: AmsSource, maxPages: number, out: (line: string) => void): Promise<number> {
  const read: ListingRead = { entries: 0, distinctKeys: 0, pages: 0, complete: true };
  const invalid: ChangedEventsPage["invalid"] = [];
  const keys = new Set<string>();
  for await (const page of source.changedEvents(null)) {
    read.pages += 1;
    read.entries += page.events.length;
    for (const event of page.events) keys.add(event.eventKey);
    invalid.push(...page.invalid);
    if (read.pages === maxPages) {
      read.complete = false;
      break;
    }
  }
  read.distinctKeys = keys.size;
  out(`${describeListing("events", read)}, ${invalid.length} invalid`);
  for (const { eventKey, error } of invalid.slice(0, 20)) out(`  invalid event: ${describeInvalid(eventKey, error)}`);
  return invalid.length;
}
