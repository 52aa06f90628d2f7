import { runTemplateCommand } from "../src/imports/import.command";

// Writes the member import template: npm run import:template [-- path.csv]
process.exit(runTemplateCommand(process.argv.slice(2), { stdout: process.stdout }));
