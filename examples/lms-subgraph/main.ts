import { sampleLmsData } from "./lms.data";
import { startLmsSubgraph } from "./lms.subgraph";

/**
 * `npm run example:lms [-- port]`: the example LMS subgraph (default port 4001), whose records
 * name the first ten members of amsgate's demo association (M0000001…M0000010).
 */
async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 4001);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`not a port: ${process.argv[2]}`);
  const keys = Array.from({ length: 10 }, (_, index) => `M${String(index + 1).padStart(7, "0")}`);
  const lms = await startLmsSubgraph(sampleLmsData(keys), port, "0.0.0.0");
  process.stdout.write(`LMS subgraph at ${lms.url}\n`);
  const stop = () => void lms.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
