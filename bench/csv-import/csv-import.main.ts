import { loadBenchConfig } from "../support/bench-config";
import { ensureDatabase } from "../support/bench-database";
import { formatCsvImport, runCsvImport } from "./csv-import.scenario";

// `npm run build && node --expose-gc dist/bench/csv-import/csv-import.main.js`: BENCH_CSV_SIZES=10000x3,100000x1; each side runs in a child of its own
const sizes = (process.env.BENCH_CSV_SIZES ?? "10000x3,100000x1").split(",").map((entry) => {
  const [rows, repetitions] = entry.split("x").map(Number);
  return { rows: rows!, repetitions: repetitions ?? 1 };
});
const config = loadBenchConfig();
ensureDatabase(config.databaseUrl)
  .then(() => runCsvImport(config.databaseUrl, { sizes }, (line) => console.log(`[bench] ${line}`)))
  .then((figures) => console.log(`\n${formatCsvImport(figures)}\n`))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
