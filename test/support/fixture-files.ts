import fs from "node:fs";
import path from "node:path";

/**
 * Recorded payloads live beside each connector in the source tree (`src/sources/<ams>/__fixtures__`)
 * and are never copied into the build. Compiled tests find them by walking up from the compiled
 * file, then from the working directory, to the folder that holds `src/sources`, so they work
 * wherever the build output is written.
 */
export function fixturePath(relativeToSources: string): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, "src", "sources", relativeToSources);
      if (fs.existsSync(candidate)) return candidate;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`fixture src/sources/${relativeToSources} not found above ${__dirname} or ${process.cwd()}`);
}

/** A fixture's raw text, e.g. a non-JSON error body. */
export function readFixtureText(relativeToSources: string): string {
  return fs.readFileSync(fixturePath(relativeToSources), "utf8");
}

/** A JSON fixture, parsed but not validated: exactly what a connector would receive. */
export function readFixtureJson(relativeToSources: string): unknown {
  return JSON.parse(readFixtureText(relativeToSources)) as unknown;
}
