import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface MachineInfo {
  date: string;
  cores: number;
  cpuModel: string;
  memoryGb: number;
  os: string;
  node: string;
  packages: Record<string, string>;
}

/** The packages whose versions decide the figures. */
const PACKAGES = ["graphql", "type-graphql", "@apollo/server", "express", "typeorm", "mysql2", "graphql-ws", "ws", "dataloader"];

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("model name"));
    if (line) return line.split(":")[1]!.trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return os.cpus()[0]?.model ?? "unknown";
}

function packageVersion(name: string): string {
  try {
    const manifest = path.join(process.cwd(), "node_modules", name, "package.json");
    return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  } catch {
    return "not found";
  }
}

export function machineInfo(): MachineInfo {
  return {
    date: new Date().toISOString(),
    cores: os.cpus().length,
    cpuModel: cpuModel(),
    memoryGb: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    packages: Object.fromEntries(PACKAGES.map((name) => [name, packageVersion(name)])),
  };
}
