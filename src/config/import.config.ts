import type { EnvReader } from "./env-readers";

/** CSV imports (`POST /admin/imports`, `npm run import`). */
export interface ImportConfig {
  /**
   * A `replace` import disables the cached members its file leaves out; it is refused (unless
   * forced) when that would disable more than this share of the members not yet DISABLED.
   */
  replaceMaxDisableShare: number;
}

/** IMPORT_* variables. */
export function readImportConfig(read: EnvReader): ImportConfig {
  return { replaceMaxDisableShare: read.fraction("IMPORT_REPLACE_MAX_DISABLE_SHARE", 0.25) };
}
