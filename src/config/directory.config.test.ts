import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "./config.error";
import { loadConfig } from "./config";
import { readDirectoryConfig } from "./directory.config";
import { EnvReader } from "./env-readers";

function read(value: string | undefined) {
  const reader = new EnvReader(value === undefined ? {} : { COMMUNITY_OPEN_ROSTER_TYPES: value });
  return { config: readDirectoryConfig(reader), problems: reader.problems };
}

describe("readDirectoryConfig", () => {
  it("opens no roster by default", () => {
    assert.deepEqual(read(undefined), { config: { openRosterTypes: [] }, problems: [] });
    assert.deepEqual(loadConfig({ NODE_ENV: "test" }).directory, { openRosterTypes: [] });
  });

  it("reads types and type/sub-type pairs", () => {
    assert.deepEqual(read(" Chapter, Special Interest Group / Regional ,,"), {
      config: {
        openRosterTypes: [
          { type: "Chapter", subType: null },
          { type: "Special Interest Group", subType: "Regional" },
        ],
      },
      problems: [],
    });
  });

  it("names every malformed entry, and loadConfig refuses to start", () => {
    const { problems } = read(`Chapter,/Regional,Committee/,A/B/C,${"x".repeat(101)}`);
    assert.equal(problems.length, 4, problems.join("\n"));
    for (const entry of ["/Regional", "Committee/", "A/B/C"]) {
      assert.ok(
        problems.some((problem) => problem.includes(`"${entry}"`)),
        `${entry} named`,
      );
    }
    assert.throws(
      () => loadConfig({ NODE_ENV: "test", COMMUNITY_OPEN_ROSTER_TYPES: "Chapter/" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /COMMUNITY_OPEN_ROSTER_TYPES/);
        return true;
      },
    );
  });
});
