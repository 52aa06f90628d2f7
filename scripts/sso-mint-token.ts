import { runMintTokenCommand } from "../src/sso/preshared-key/mint-token.command";
import { SystemClock } from "../src/time/clock";

/** `npm run sso:mint-token -- <memberKey> [--ttl 60s]`: prints a PRESHARED_KEY token on its last line. */
try {
  process.exitCode = runMintTokenCommand(process.argv.slice(2), {
    env: process.env,
    clock: new SystemClock(),
    stdout: process.stdout,
    stderr: process.stderr,
  });
} catch (error: unknown) {
  process.stderr.write(`sso:mint-token failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
