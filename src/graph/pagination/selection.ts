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
