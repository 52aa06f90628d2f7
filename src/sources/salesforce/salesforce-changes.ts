import { z } from "zod";
import type { Logger } from "../../observability/logger";
import type { MemberChange } from "../ams-source";
import { parseAmsInstant } from "../member-info/wire-dates";
import { SourceError, SourceErrorCode } from "../source.error";
import type { SalesforceClient } from "./salesforce.client";
import { salesforceErrorCode } from "./salesforce-errors";
import { readPath, relatedObjects } from "./salesforce-fields";
import type { SalesforceMapping } from "./salesforce-mapping";
import { buildSoql, floorToMinute, idBatches, inList, isRecordId, soqlDateTime } from "./soql";

const DAY_MS = 24 * 60 * 60_000;
/**
 * Salesforce answers sObject Get Updated for no more than 30 days back "from the day the call is
 * executed"; a day's margin absorbs that day boundary and clock skew between us and the org.
 */
export const REPLICATION_WINDOW_MS = 29 * DAY_MS;
/** sObject Get Deleted goes back 15 days at most (less if the recycle bin was emptied). */
const DELETE_LOG_WINDOW_MS = 14 * DAY_MS;
/** Codes that mean "ask another way", not "the org is down". */
const FALL_BACK_CODES = new Set(["EXCEEDED_ID_LIMIT", "INVALID_REPLICATION_DATE"]);
/** Budget for one `Id IN (…)` list, in characters, so query URLs stay far below Salesforce's limit. */
export const IN_LIST_MAX_CHARS = 6_000;

const updatedSchema = z.object({ ids: z.array(z.string()), latestDateCovered: z.string() });
const deletedSchema = z.object({
  deletedRecords: z.array(z.object({ id: z.string() })),
  latestDateCovered: z.string(),
});

/** What the replication calls listed: Contact ids, and the time they are complete up to. */
interface Replicated {
  ids: Set<string>;
  /** The earliest `latestDateCovered` of every call: everything changed before it was listed. */
  covered: string | null;
}

/**
 * Which Contacts changed since a time. Within the replication window it asks Salesforce's
 * sObject Get Updated / Get Deleted for the Contact and for every related object (whose rows
 * are mapped to their Contact with queryAll, so deleted rows count), and reports each Contact
 * with the calls' `latestDateCovered` as its change time, so the poller's cursor becomes what
 * Salesforce says is covered. Older (or null) `since`, or an EXCEEDED_ID_LIMIT, falls back to a
 * SOQL scan on SystemModstamp, paged with nextRecordsUrl. Both read from `since` rounded down to
 * the minute, because the replication calls ignore seconds.
 */
export class SalesforceChangeFeed {
  constructor(
    private readonly client: SalesforceClient,
    private readonly mapping: SalesforceMapping,
    private readonly logger: Logger,
    private readonly pageSize: number,
  ) {}

  async *changes(since: Date | null, now: Date): AsyncGenerator<MemberChange[]> {
    if (since !== null && now.getTime() - since.getTime() < REPLICATION_WINDOW_MS) {
      const listed = await this.replicated(since, now);
      if (listed !== null) {
        const ids = [...listed.ids].sort();
        for (let start = 0; start < ids.length; start += this.pageSize) {
          yield ids.slice(start, start + this.pageSize).map((memberKey) => ({ memberKey, lastUpdated: listed.covered! }));
        }
        return;
      }
    }
    yield* this.scan(since);
  }

  /** Null when Salesforce asks for another way (too many ids, a date it will not serve). */
  private async replicated(since: Date, now: Date): Promise<Replicated | null> {
    const window = { start: replicationDate(floorToMinute(since)), end: replicationDate(now) };
    if (floorToMinute(since).getTime() >= floorToMinute(now).getTime()) return { ids: new Set(), covered: null };
    const coverage: string[] = [];
    const ids = new Set<string>();
    const withDeleted = now.getTime() - since.getTime() < DELETE_LOG_WINDOW_MS;
    try {
      const contact = this.mapping.contact.object;
      for (const id of await this.updated(contact, window, coverage)) ids.add(id);
      if (withDeleted) for (const id of await this.deleted(contact, window, coverage)) ids.add(id);
      for (const related of relatedObjects(this.mapping)) {
        const rowIds = await this.updated(related.object, window, coverage);
        if (withDeleted) rowIds.push(...(await this.deleted(related.object, window, coverage)));
        for (const id of await this.contactsOf(related.object, related.contactField, rowIds)) ids.add(id);
      }
    } catch (error) {
      const code = salesforceErrorCode(error);
      if (code === null || !FALL_BACK_CODES.has(code)) throw error;
      this.logger.info({ code, since: since.toISOString() }, "Salesforce replication call refused; reading changes with SOQL instead");
      return null;
    }
    return { ids, covered: earliest(coverage) };
  }

  private async updated(object: string, window: { start: string; end: string }, coverage: string[]): Promise<string[]> {
    const path = this.client.dataPath(`/sobjects/${object}/updated/`);
    const answer = parse(updatedSchema, await this.client.get(path, window), `GET /sobjects/${object}/updated/`);
    coverage.push(answer.latestDateCovered);
    return answer.ids.filter(isRecordId);
  }

  private async deleted(object: string, window: { start: string; end: string }, coverage: string[]): Promise<string[]> {
    const path = this.client.dataPath(`/sobjects/${object}/deleted/`);
    const answer = parse(deletedSchema, await this.client.get(path, window), `GET /sobjects/${object}/deleted/`);
    coverage.push(answer.latestDateCovered);
    return answer.deletedRecords.map((record) => record.id).filter(isRecordId);
  }

  /** The Contacts that rows of a related object belong to; queryAll so deleted rows still say. */
  private async contactsOf(object: string, contactField: string, rowIds: string[]): Promise<string[]> {
    const contacts: string[] = [];
    for (const batch of idBatches([...new Set(rowIds)], this.pageSize, IN_LIST_MAX_CHARS)) {
      const soql = buildSoql({ fields: [contactField], from: object, where: [inList("Id", batch)] });
      for await (const page of this.client.query(soql, { all: true })) {
        for (const row of page.records) {
          const id = readPath(row, contactField);
          if (typeof id === "string" && isRecordId(id)) contacts.push(id);
        }
      }
    }
    return contacts;
  }

  /** SOQL on SystemModstamp: every Contact (since null) or those changed, then related rows changed. */
  private async *scan(since: Date | null): AsyncGenerator<MemberChange[]> {
    const after = since === null ? null : `SystemModstamp >= ${soqlDateTime(floorToMinute(since))}`;
    const contact = this.mapping.contact;
    const contacts = buildSoql({
      fields: ["Id", "SystemModstamp"],
      from: contact.object,
      where: [after, contact.where],
      orderBy: "SystemModstamp, Id",
    });
    for await (const page of this.client.query(contacts)) {
      const changes = page.records.map((row) => change(row, "Id", contact.object));
      if (changes.length > 0) yield changes;
    }
    if (after === null) return;
    for (const related of relatedObjects(this.mapping)) {
      const soql = buildSoql({
        fields: [related.contactField, "SystemModstamp"],
        from: related.object,
        where: [after, `${related.contactField} != null`],
        orderBy: "SystemModstamp, Id",
      });
      for await (const page of this.client.query(soql, { all: true })) {
        const changes = page.records.map((row) => change(row, related.contactField, related.object));
        if (changes.length > 0) yield changes;
      }
    }
  }
}

/** `2026-11-23T12:00:00+00:00`: the ISO-8601 form the replication calls document. */
function replicationDate(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}+00:00`;
}

function change(row: Record<string, unknown>, keyField: string, object: string): MemberChange {
  const memberKey = readPath(row, keyField);
  const stamp = row.SystemModstamp;
  if (typeof memberKey !== "string" || !isRecordId(memberKey) || typeof stamp !== "string" || parseAmsInstant(stamp) === null) {
    throw new SourceError(
      SourceErrorCode.CONTRACT_VIOLATION,
      `${object} query: expected ${keyField} (a record id) and SystemModstamp (an instant) on every row, got ${JSON.stringify({ [keyField]: memberKey, SystemModstamp: stamp }).slice(0, 120)}`,
    );
  }
  return { memberKey, lastUpdated: stamp };
}

function earliest(stamps: string[]): string | null {
  let best: { text: string; ms: number } | null = null;
  for (const text of stamps) {
    const ms = parseAmsInstant(text)?.getTime();
    if (ms === undefined) {
      throw new SourceError(
        SourceErrorCode.CONTRACT_VIOLATION,
        `replication answer: expected latestDateCovered to be an instant, got ${JSON.stringify(text.slice(0, 40))}`,
      );
    }
    if (best === null || ms < best.ms) best = { text, ms };
  }
  return best?.text ?? null;
}

function parse<T extends z.ZodType>(schema: T, body: unknown, call: string): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const where = [...new Set(parsed.error.issues.map((issue) => issue.path.join(".") || "the body"))].join(", ");
  throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `${call}: the answer does not match the documented shape; bad: ${where}`);
}
