/** A GraphQL enum object from a list of string values (the database's and the API's are the same). */
export const enumOf = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value, value])) as { [K in T]: K };
