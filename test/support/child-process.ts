import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

export const MAIN = path.resolve(__dirname, "../../src/main.js");

export interface RunningGateway {
  child: ChildProcess;
  url: string;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the real gateway (`node dist/src/main.js`) and resolves once it logs that it listens,
 * or rejects when it exits first. Only event-driven waits: no sleeping.
 */
export function startGateway(env: Record<string, string>, timeoutMs = 30_000, cwd?: string): Promise<RunningGateway> {
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => lines.push(line));
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`gateway did not start in ${timeoutMs} ms:\n${lines.join("\n")}`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /"url":"(http:[^"]+)"/.exec(line);
      if (match && line.includes("listening")) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!.replace("localhost", "127.0.0.1"), lines, exited });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${lines.join("\n")}`));
    });
  });
}
