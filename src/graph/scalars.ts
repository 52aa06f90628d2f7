import { GraphQLScalarType, Kind } from "graphql";
import { DateTimeResolver } from "graphql-scalars";
import { GraphError } from "./graph.error";

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written `YYYY-MM-DD` (no 2024-02-30). */
export function isCalendarDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

function parseDate(value: unknown): string {
  if (typeof value !== "string" || !isCalendarDate(value)) {
    throw GraphError.badInput(`Date must be a calendar day written YYYY-MM-DD (got ${JSON.stringify(value)})`);
  }
  return value;
}

/**
 * A calendar day with no time or zone (membership begin/end dates, member since). Held as
 * `YYYY-MM-DD` text end to end so no time zone can move it.
 */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: "Date",
  description: "A calendar day with no time or zone, written YYYY-MM-DD (e.g. 2026-11-23).",
  serialize: (value) => {
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    return parseDate(value);
  },
  parseValue: parseDate,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) {
      throw GraphError.badInput(`Date must be a string written YYYY-MM-DD (got a ${ast.kind.toLowerCase()})`);
    }
    return parseDate(ast.value);
  },
});

function parseInstant(value: unknown): Date {
  try {
    return DateTimeResolver.parseValue(value) as Date;
  } catch {
    throw GraphError.badInput(
      `DateTime must be an RFC 3339 date-time with a zone, such as 2026-11-23T09:30:00Z (got ${JSON.stringify(value)})`,
    );
  }
}

/** An instant, as an RFC 3339 string with a zone; always serialized in UTC. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: "DateTime",
  description: "An instant, written as an RFC 3339 date-time with a zone (e.g. 2026-11-23T09:30:00.000Z).",
  serialize: (value) => {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError(`DateTime cannot serialize ${String(value)}`);
    return date.toISOString();
  },
  parseValue: parseInstant,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) {
      throw GraphError.badInput(`DateTime must be a string such as 2026-11-23T09:30:00Z (got a ${ast.kind.toLowerCase()})`);
    }
    return parseInstant(ast.value);
  },
});
