import { GraphError } from "../graph.error";

/**
 * Opaque keyset cursors: the sort values of the last row seen, tagged with the list they
 * belong to so a cursor from one list is refused by another instead of silently misleading.
 */
export function encodeCursor(list: string, values: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify([list, ...values]), "utf8").toString("base64url");
}

export function decodeCursor(list: string, cursor: string, arity: number): Array<string | number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.length === arity + 1 &&
    parsed[0] === list &&
    parsed.slice(1).every((value) => typeof value === "string" || typeof value === "number");
  if (!valid) {
    throw GraphError.badInput(`after: "${truncate(cursor)}" is not a cursor from this list; pass an endCursor it returned`);
  }
  return (parsed as Array<string | number>).slice(1);
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
