import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "dotenv";
import { ConfigError } from "./config.error";

export type RawEnv = Record<string, string | undefined>;

export interface EnvWithFile {
  /** The file's variables under the real environment's: a variable set in both keeps the real value. */
  env: RawEnv;
  /** The file read, or undefined when there was none. */
  file: string | undefined;
}

const DEFAULT_ENV_FILE = ".env";
const ASSIGNMENT = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=\s*(.*)$/;

/**
 * Reads `.env` in `cwd` (or the file `ENV_FILE` names) beneath the real environment. A missing
 * default file is fine; a missing `ENV_FILE`, an unreadable file or a line that is not
 * `NAME=value` is a {@link ConfigError} naming the file and the lines (never their values: they
 * may be secrets). The environment passed in is not changed.
 */
export function withEnvFile(env: RawEnv, cwd: string): EnvWithFile {
  const named = env.ENV_FILE?.trim() ? env.ENV_FILE.trim() : undefined;
  const file = path.resolve(cwd, named ?? DEFAULT_ENV_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && named === undefined) return { env, file: undefined };
    const why = code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError([`${named === undefined ? "The environment file" : "ENV_FILE"} ${file} ${why}`]);
  }
  const problems = malformedLines(text).map((line) => `${file} line ${line} is not NAME=value (or a # comment)`);
  if (problems.length > 0) throw new ConfigError(problems);
  const fromFile = parse(text);
  const merged: RawEnv = { ...fromFile };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return { env: merged, file };
}

/**
 * dotenv's parser skips what it does not understand; an operator's typo would then vanish
 * silently. This walks the lines as dotenv reads them (quoted values may span lines) and
 * returns the numbers of those it would skip, and of a quote never closed.
 */
export function malformedLines(text: string): number[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const bad: number[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    const match = ASSIGNMENT.exec(line);
    if (!match) {
      bad.push(index + 1);
      continue;
    }
    const value = match[1]!;
    const quote = value[0];
    if (quote !== '"' && quote !== "'" && quote !== "`") continue;
    if (value.indexOf(quote, 1) > 0) continue;
    // A quoted value that goes on: it ends on the first later line holding the closing quote.
    const end = lines.findIndex((later, at) => at > index && later.includes(quote));
    if (end < 0) {
      bad.push(index + 1);
      break;
    }
    index = end;
  }
  return bad;
}
