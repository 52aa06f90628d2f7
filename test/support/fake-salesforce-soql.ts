/**
 * The slice of SOQL a fake Salesforce needs to answer the queries the connector builds:
 * `SELECT a, b.c FROM Obj [WHERE cond AND cond …] [ORDER BY f [ASC|DESC], …] [LIMIT n]`, where a
 * condition is `(cond)`, `field IN ('x', …)`, or `field op value` with op one of
 * `= != > >= < <=` and value a quoted string, a datetime literal, a number, true, false or null.
 * Anything else is refused as MALFORMED_QUERY, as Salesforce would refuse what it cannot parse.
 */

export type SoqlValue = string | number | boolean | null | { datetime: number };

export type Condition =
  | { kind: "compare"; field: string; op: "=" | "!=" | ">" | ">=" | "<" | "<="; value: SoqlValue }
  | { kind: "in"; field: string; values: SoqlValue[] };

export interface ParsedQuery {
  fields: string[];
  from: string;
  where: Condition[];
  orderBy: Array<{ field: string; descending: boolean }>;
  limit: number | null;
}

export class SoqlError extends Error {}

type Token = { kind: "word" | "string" | "symbol" | "number" | "datetime"; text: string };

const TOKEN =
  /\s*(?:('(?:[^'\\]|\\.)*')|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_][\w.]*)|(!=|>=|<=|[=<>(),]))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw new SoqlError(`unexpected token at position ${at}: ${text.slice(at, at + 20)}`);
    if (match[1]) tokens.push({ kind: "string", text: match[1].slice(1, -1).replace(/\\(.)/g, "$1") });
    else if (match[2]) tokens.push({ kind: "datetime", text: match[2] });
    else if (match[3]) tokens.push({ kind: "number", text: match[3] });
    else if (match[4]) tokens.push({ kind: "word", text: match[4] });
    else tokens.push({ kind: "symbol", text: match[5]! });
  }
  return tokens;
}

class Reader {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  next(): Token {
    const token = this.tokens[this.index++];
    if (!token) throw new SoqlError("unexpected end of query");
    return token;
  }

  keyword(word: string): boolean {
    const token = this.peek();
    if (token?.kind === "word" && token.text.toUpperCase() === word) {
      this.index += 1;
      return true;
    }
    return false;
  }

  expectKeyword(word: string): void {
    if (!this.keyword(word)) throw new SoqlError(`expected ${word}, got ${this.peek()?.text ?? "the end"}`);
  }

  symbol(text: string): boolean {
    if (this.peek()?.kind === "symbol" && this.peek()!.text === text) {
      this.index += 1;
      return true;
    }
    return false;
  }

  word(): string {
    const token = this.next();
    if (token.kind !== "word") throw new SoqlError(`expected a name, got ${token.text}`);
    return token.text;
  }

  done(): boolean {
    return this.index >= this.tokens.length;
  }
}

export function parseSoql(text: string): ParsedQuery {
  const reader = new Reader(tokenize(text));
  reader.expectKeyword("SELECT");
  const fields = [reader.word()];
  while (reader.symbol(",")) fields.push(reader.word());
  reader.expectKeyword("FROM");
  const from = reader.word();
  const where: Condition[] = [];
  if (reader.keyword("WHERE")) {
    do where.push(...condition(reader));
    while (reader.keyword("AND"));
  }
  const orderBy: ParsedQuery["orderBy"] = [];
  if (reader.keyword("ORDER")) {
    reader.expectKeyword("BY");
    do {
      const field = reader.word();
      const descending = reader.keyword("DESC");
      if (!descending) reader.keyword("ASC");
      orderBy.push({ field, descending });
    } while (reader.symbol(","));
  }
  let limit: number | null = null;
  if (reader.keyword("LIMIT")) limit = Number(reader.next().text);
  if (!reader.done()) throw new SoqlError(`unexpected ${reader.peek()!.text}`);
  return { fields, from, where, orderBy, limit };
}

/** One condition, or several when a parenthesised group holds an AND. */
function condition(reader: Reader): Condition[] {
  if (reader.symbol("(")) {
    const inner: Condition[] = [];
    do inner.push(...condition(reader));
    while (reader.keyword("AND"));
    if (!reader.symbol(")")) throw new SoqlError("expected )");
    return inner;
  }
  const field = reader.word();
  if (reader.keyword("IN")) {
    if (!reader.symbol("(")) throw new SoqlError("expected ( after IN");
    const values = [value(reader)];
    while (reader.symbol(",")) values.push(value(reader));
    if (!reader.symbol(")")) throw new SoqlError("expected ) after the IN list");
    return [{ kind: "in", field, values }];
  }
  const op = reader.next();
  if (op.kind !== "symbol" || !["=", "!=", ">", ">=", "<", "<="].includes(op.text))
    throw new SoqlError(`expected an operator after ${field}, got ${op.text}`);
  return [{ kind: "compare", field, op: op.text as "=", value: value(reader) }];
}

function value(reader: Reader): SoqlValue {
  const token = reader.next();
  if (token.kind === "string") return token.text;
  if (token.kind === "number") return Number(token.text);
  if (token.kind === "datetime") return { datetime: Date.parse(token.text.replace(/([+-]\d{2})(\d{2})$/, "$1:$2")) };
  const word = token.text.toLowerCase();
  if (word === "null") return null;
  if (word === "true" || word === "false") return word === "true";
  throw new SoqlError(`expected a value, got ${token.text}`);
}

/** Compares a stored value with a literal; datetimes as instants, the rest as they are. */
export function matches(stored: unknown, condition: Condition): boolean {
  if (condition.kind === "in") return condition.values.some((candidate) => compare(stored, candidate) === 0);
  const order = compare(stored, condition.value);
  switch (condition.op) {
    case "=":
      return order === 0;
    case "!=":
      return order !== 0;
    case ">":
      return order !== null && order > 0;
    case ">=":
      return order !== null && order >= 0;
    case "<":
      return order !== null && order < 0;
    case "<=":
      return order !== null && order <= 0;
  }
}

function compare(stored: unknown, literal: SoqlValue): number | null {
  if (literal === null) return stored === null || stored === undefined ? 0 : 1;
  if (stored === null || stored === undefined) return null;
  if (typeof literal === "object") {
    const ms = typeof stored === "string" ? Date.parse(stored.replace(/([+-]\d{2})(\d{2})$/, "$1:$2")) : Number.NaN;
    return Number.isNaN(ms) ? null : Math.sign(ms - literal.datetime);
  }
  if (typeof literal === "number") return typeof stored === "number" ? Math.sign(stored - literal) : null;
  if (typeof literal === "boolean") return stored === literal ? 0 : 1;
  return String(stored) < literal ? -1 : String(stored) > literal ? 1 : 0;
}
