import { runSourceCheck } from "../src/sources/source-check/source-check.command";

/** `npm run source:check -- [--pages N | --all] [--sample N] [--verbose]`: see the README. */
runSourceCheck(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr })
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.stderr.write(`source:check failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
