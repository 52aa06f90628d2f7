import { buildApp } from "./app";
import { ConfigError } from "./config/config.error";
import { loadConfig, redactConfig } from "./config/config";
import { withEnvFile } from "./config/env-file";
import { DatabaseError } from "./db/database.error";

let stopping = false;

/**
 * Reads configuration (the environment over `.env`), builds the app, listens, waits for the
 * database; stops cleanly on SIGTERM/SIGINT, also while still waiting.
 */
async function main(): Promise<void> {
  const { env, file: envFile } = withEnvFile(process.env, process.cwd());
  const config = loadConfig(env);
  const app = await buildApp(config);
  app.logger.info({ config: redactConfig(config), envFile: envFile ?? null }, "configuration");

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, "shutting down");
    app
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        app.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  const { url } = await app.start();
  app.logger.info({ url }, `amsgate listening; GraphQL and Sandbox at ${url}`);
  if (config.adminApiKeys.generated) {
    // Printed once, to the terminal only, so a developer can paste it into Sandbox.
    process.stdout.write(
      `\nNo ADMIN_API_KEYS set: this run's admin key is\n\n  ${config.adminApiKeys.keys[0]}\n\n` +
        `In Sandbox, add the header  Authorization: Bearer <that key>\n\n`,
    );
  }
}

main().catch((error: unknown) => {
  // A start cut short by a signal: the shutdown in progress exits.
  if (stopping) return;
  if (error instanceof ConfigError || error instanceof DatabaseError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`amsgate failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  process.exit(1);
});
