import { loadDemoAmsConfig } from "../src/config/config";
import { ConfigError } from "../src/config/config.error";
import { createLogger } from "../src/observability/logger";
import { SystemClock } from "../src/time/clock";
import { AmsHttpServer } from "../src/sources/demo/ams-http.server";
import { ChangeSimulator } from "../src/sources/demo/change-simulator";
import { DemoAssociation } from "../src/sources/demo/demo-association";
import { DemoAmsDataset } from "../src/sources/demo/demo-dataset";

/**
 * `npm run demo-ams`: the simulated association served over the JSON source protocol, with its
 * change simulator on real timers and the configured faults, until SIGTERM or SIGINT.
 */
async function main(): Promise<void> {
  const config = loadDemoAmsConfig();
  const logger = createLogger(config.logLevel).child({ component: "demo-ams" });
  const association = new DemoAssociation({ seed: config.demo.seed, members: config.demo.members, clock: new SystemClock() });
  const simulator = new ChangeSimulator({
    association,
    changesPerTick: config.demo.changesPerTick,
    changeIntervalMs: config.demo.changeIntervalMs,
    logger,
  });
  const server = new AmsHttpServer(new DemoAmsDataset(association), {
    apiKey: config.server.apiKey,
    faultRate: config.server.faultRate,
    latencyMs: config.server.latencyMs,
    malformedRate: config.server.malformedRate,
    logger,
  });
  const url = await server.listen(config.server.port, config.server.host);
  simulator.start();
  const { apiKey: _apiKey, ...shown } = config.server;
  logger.info({ url, seed: config.demo.seed, members: config.demo.members, ...shown }, "demo AMS listening");

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, stats: server.stats }, "demo AMS stopping");
    simulator.stop();
    void server.close().then(() => {
      logger.info("demo AMS stopped");
      process.exit(0);
    });
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`demo AMS failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
