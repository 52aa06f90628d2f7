/**
 * The slice of OData `$filter` that Personify Data Services documents and the Personify source
 * sends: `Field op literal` with `eq ne gt ge lt le`, joined by `and`/`or`, grouped with
 * parentheses; literals are 'text' (quotes doubled), numbers, `datetime'…'`, `null`, `true`,
 * `false`. Parsed once into a predicate over a row; anything else is a syntax error, so the fake
 * answers 400 the way the real service refuses what it cannot read.
 */

export type Row = Record<string, unknown>;
export type Predicate = (row: Row) => boolean;

type Literal = string | number | boolean | null | Date;
type Token = { kind: "name"; text: string } | { kind: "literal"; value: Literal } | { kind: "open" } | { kind: "close" };

const OPERATORS = new Set(["eq", "ne", "gt", "ge", "lt", "le"]);

export class FilterSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    if (rest[0] === "(" || rest[0] === ")") {
      tokens.push({ kind: rest[0] === "(" ? "open" : "close" });
      at += 1;
      continue;
    }
    const quoted = /^(datetime)?'((?:[^']|'')*)'/.exec(rest);
    if (quoted) {
      const inner = quoted[2]!.replace(/''/g, "'");
      tokens.push({ kind: "literal", value: quoted[1] ? parseDateTime(inner) : inner });
      at += quoted[0].length;
      continue;
    }
    const number = /^-?\d+(\.\d+)?\b/.exec(rest);
    if (number) {
      tokens.push({ kind: "literal", value: Number(number[0]) });
      at += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (!word) throw new FilterSyntaxError(`Syntax error at position ${at} in '${text}'.`);
    const lowered = word[0];
    if (lowered === "null") tokens.push({ kind: "literal", value: null });
    else if (lowered === "true" || lowered === "false") tokens.push({ kind: "literal", value: lowered === "true" });
    else tokens.push({ kind: "name", text: word[0] });
    at += word[0].length;
  }
  return tokens;
}

function parseDateTime(text: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?$/.test(text))
    throw new FilterSyntaxError(`Unrecognized 'Edm.DateTime' literal 'datetime'${text}''.`);
  return new Date(`${text}Z`);
}

/** Parses `text`; `knows(property)` says whether the entity type has the property. */
export function parseFilter(text: string, knows: (property: string) => boolean): Predicate {
  const tokens = tokenize(text);
  let at = 0;
  const peekName = () => (tokens[at]?.kind === "name" ? (tokens[at] as { text: string }).text : undefined);
  const expression = (): Predicate => {
    let left = conjunction();
    while (peekName() === "or") {
      at += 1;
      const [a, b] = [left, conjunction()];
      left = either(a, b);
    }
    return left;
  };
  const conjunction = (): Predicate => {
    let left = primary();
    while (peekName() === "and") {
      at += 1;
      const [a, b] = [left, primary()];
      // A key lookup rules out most rows at the cost of one set probe: test it first.
      left = (b as Partial<KeyLookup>).values ? (row) => b(row) && a(row) : (row) => a(row) && b(row);
    }
    return left;
  };
  const primary = (): Predicate => {
    const token = tokens[at];
    if (token?.kind === "open") {
      at += 1;
      const inner = expression();
      if (tokens[at]?.kind !== "close") throw new FilterSyntaxError(`')' or operator expected at position ${at}.`);
      at += 1;
      return inner;
    }
    return comparison();
  };
  const comparison = (): Predicate => {
    const field = tokens[at];
    const operator = tokens[at + 1];
    const literal = tokens[at + 2];
    if (field?.kind !== "name" || operator?.kind !== "name" || !OPERATORS.has(operator.text) || literal?.kind !== "literal") {
      throw new FilterSyntaxError(`Expression expected at position ${at} in '${text}'.`);
    }
    if (!knows(field.text)) throw new FilterSyntaxError(`No property '${field.text}' exists in type.`);
    at += 3;
    if (operator.text === "eq" && typeof literal.value === "string") return keyLookup(field.text, new Set([literal.value]));
    return (row) => compare(row[field.text], operator.text, literal.value);
  };
  const predicate = expression();
  if (at !== tokens.length) throw new FilterSyntaxError(`Syntax error at position ${at} in '${text}'.`);
  return predicate;
}

/** `F eq 'a' or F eq 'b' …` as one set lookup, so a batch of keys costs one test per row, not one per key. */
type KeyLookup = Predicate & { field: string; values: Set<string> };

function keyLookup(field: string, values: Set<string>): KeyLookup {
  return Object.assign((row: Row) => values.has(row[field] as string), { field, values });
}

function either(a: Predicate, b: Predicate): Predicate {
  const [x, y] = [a as Partial<KeyLookup>, b as Partial<KeyLookup>];
  if (x.values && y.values && x.field === y.field) return keyLookup(x.field!, new Set([...x.values, ...y.values]));
  return (row) => a(row) || b(row);
}

function comparable(value: unknown): string | number | boolean | null {
  if (value instanceof Date) return value.getTime();
  if (value === undefined) return null;
  return value as string | number | boolean | null;
}

function compare(raw: unknown, operator: string, literal: Literal): boolean {
  const left = comparable(raw);
  const right = comparable(literal);
  if (operator === "eq") return left === right;
  if (operator === "ne") return left !== right;
  if (left === null || right === null) return false;
  if (operator === "gt") return left > right;
  if (operator === "ge") return left >= right;
  if (operator === "lt") return left < right;
  return left <= right;
}
