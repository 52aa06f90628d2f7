/**
 * The read benchmark's operation: a page of members with the nested lists a directory page
 * shows. Both servers answer this exact document; clients walk pages by `endCursor`.
 */
export const PAGE_QUERY = `query MemberPage($first: Int!, $after: String) {
  members(first: $first, after: $after) {
    edges {
      node {
        key
        firstName
        lastName
        phones { number type }
        communities { role community { name } }
        securityGroups { group { name } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const PAGE_SIZE = 50;

/** The key both servers accept as admin; bench-only, never a real credential. */
export const BENCH_ADMIN_KEY = "bench-admin-key-0123456789abcdef";
