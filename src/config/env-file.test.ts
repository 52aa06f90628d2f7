import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "./config.error";
import { malformedLines, withEnvFile } from "./env-file";

const folder = (files: Record<string, string> = {}): string => {
  const dir = mkdtempSync(path.join(tmpdir(), "amsgate-env-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
};

const problemsOf = (attempt: () => unknown): string[] => {
  try {
    attempt();
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail("no ConfigError");
};

describe("withEnvFile", () => {
  it("reads .env beneath the real environment, which wins", () => {
    const dir = folder({ ".env": '# a comment\nPORT=5000\nexport LOG_LEVEL=debug\nADMIN_API_KEYS="from-the-file-0123456789abcdef"\n' });
    const { env, file } = withEnvFile({ PORT: "6000" }, dir);
    assert.equal(file, path.join(dir, ".env"));
    assert.equal(env.PORT, "6000", "the real environment wins");
    assert.equal(env.LOG_LEVEL, "debug");
    assert.equal(env.ADMIN_API_KEYS, "from-the-file-0123456789abcdef");
  });

  it("keeps a variable the real environment sets to the empty string", () => {
    const { env } = withEnvFile({ REDIS_URL: "" }, folder({ ".env": "REDIS_URL=redis://127.0.0.1:6379\n" }));
    assert.equal(env.REDIS_URL, "");
  });

  it("is fine without a .env, and leaves the environment as it was", () => {
    const real = { PORT: "1" };
    assert.deepEqual(withEnvFile(real, folder()), { env: real, file: undefined });
  });

  it("reads the file ENV_FILE names, relative to the working directory, and refuses one that is missing", () => {
    const dir = folder({ "prod.env": "PORT=7000\n" });
    assert.equal(withEnvFile({ ENV_FILE: "prod.env" }, dir).env.PORT, "7000");
    const [problem] = problemsOf(() => withEnvFile({ ENV_FILE: "missing.env" }, dir));
    assert.match(problem!, /^ENV_FILE .*missing\.env does not exist/);
  });

  it("names the file and every malformed line, never their text", () => {
    const dir = folder({ ".env": "PORT=5000\nthis is not a setting\nADMIN_API_KEYS: hunter2-secret-value\n" });
    const problems = problemsOf(() => withEnvFile({}, dir));
    assert.deepEqual(
      problems.map((problem) => /line (\d+)/.exec(problem)?.[1]),
      ["2", "3"],
    );
    assert.ok(problems.every((problem) => problem.includes(path.join(dir, ".env"))));
    assert.ok(problems.every((problem) => !problem.includes("hunter2")));
  });
});

describe("malformedLines", () => {
  it("accepts comments, blanks, export, quotes and quoted values over several lines", () => {
    assert.deepEqual(malformedLines("# c\n\nA=1\nexport B='2'\nC=\"x\ny\"\nD=`z`\r\nE=\nF=a # note\n"), []);
  });

  it("reports a line without =, a name that is not one, and a quote never closed", () => {
    assert.deepEqual(malformedLines("A=1\nB\n"), [2]);
    assert.deepEqual(malformedLines("1X=2\n"), [1]);
    assert.deepEqual(malformedLines('A=1\nB="open\nC=2\n'), [2]);
  });
});
