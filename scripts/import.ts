import { runImportCommand } from "../src/imports/import.command";

// Sends a CSV file to a running gateway's POST /admin/imports: npm run import -- file.csv
runImportCommand(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr })
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
