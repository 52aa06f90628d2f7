import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from "graphql";

/**
 * The names of the fields selected at `path` below the resolving field (e.g. `["edges", "node"]`
 * under a connection), across every alias, fragment spread and inline fragment. `@skip` and
 * `@include` are not evaluated: a conditional field counts as selected, so the set is never
 * smaller than what execution reads.
 */
export function selectedFieldNames(info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">, path: readonly string[]): Set<string> {
  let level: SelectionSetNode[] = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path) {
    level = fieldsOf(level, info.fragments).flatMap((field) =>
      field.name.value === name && field.selectionSet ? [field.selectionSet] : [],
    );
  }
  return new Set(fieldsOf(level, info.fragments).map((field) => field.name.value));
}

function fieldsOf(sets: SelectionSetNode[], fragments: Record<string, FragmentDefinitionNode>): FieldNode[] {
  const fields: FieldNode[] = [];
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === "Field") fields.push(selection);
      else if (selection.kind === "InlineFragment") visit(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        // A fragment spread twice at one level selects the same fields; visit it once.
        seen.add(selection.name.value);
        const fragment = fragments[selection.name.value];
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  for (const set of sets) visit(set);
  return fields;
}

/**
 * The properties `fields` (GraphQL field names) read, by `map`, with `always`; undefined (read
 * every column) when one of them is not in the map, so a field added later is always correct.
 */
export function columnsFor(
  fields: Iterable<string>,
  map: Readonly<Record<string, readonly string[]>>,
  always: readonly string[],
): Set<string> | undefined {
  const columns = new Set<string>(always);
  for (const field of fields) {
    const read = Object.hasOwn(map, field) ? map[field] : undefined;
    if (!read) return undefined;
    for (const column of read) columns.add(column);
  }
  return columns;
}

const PER_FIELD = new WeakMap<readonly FieldNode[], unknown>();

/**
 * `compute(info)`, once per field of a document: every value of a list field shares its field
 * nodes (graphql-js and the compiler both reuse them), so a page of 50 members works out the
 * columns of its phones once, not 50 times.
 */
export function oncePerField<T>(
  info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">,
  compute: (info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">) => T,
): T {
  if (PER_FIELD.has(info.fieldNodes)) return PER_FIELD.get(info.fieldNodes) as T;
  const value = compute(info);
  PER_FIELD.set(info.fieldNodes, value);
  return value;
}
