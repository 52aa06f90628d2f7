import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

export const MAIN = path.resolve(__dirname, "../../src/main.js");

export interface RunningGateway {
  child: ChildProcess;
  url: string;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first output line matching, as {@link SpawnedGateway.line}. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export interface SpawnedGateway {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first output line (stdout or stderr, past or future) matching; rejects on exit or after `timeoutMs`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Starts `node dist/src/main.js` and collects its output; waits on lines, never on time. */
export function spawnGateway(env: Record<string, string>, cwd?: string): SpawnedGateway {
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  // 'close' comes once the process has exited and its output is read to the end.
  const closed = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      lines.push(line);
      for (const waiter of waiters) waiter(line);
    });
  }
  const line = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((earlier) => pattern.test(earlier));
      if (seen !== undefined) return resolve(seen);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      const waiter = (next: string) => {
        if (!pattern.test(next)) return;
        done();
        resolve(next);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms:\n${lines.join("\n")}`));
      }, timeoutMs);
      waiters.add(waiter);
      void closed.then((code) => {
        if (!waiters.has(waiter)) return;
        done();
        reject(new Error(`gateway exited with ${code} before ${pattern}:\n${lines.join("\n")}`));
      });
    });
  return { child, lines, exited, line };
}

/**
 * Starts the real gateway (`node dist/src/main.js`) and resolves once it logs that it listens
 * and is ready, or rejects when it exits first. Only event-driven waits: no sleeping.
 */
export async function startGateway(env: Record<string, string>, timeoutMs = 30_000, cwd?: string): Promise<RunningGateway> {
  const gateway = spawnGateway(env, cwd);
  try {
    const ready = await gateway.line(/"url":"http:[^"]+".*listening|listening.*"url":"http:[^"]+"/, timeoutMs);
    const url = /"url":"(http:[^"]+)"/.exec(ready)![1]!.replace("localhost", "127.0.0.1");
    return { child: gateway.child, url, lines: gateway.lines, exited: gateway.exited, line: gateway.line };
  } catch (error) {
    gateway.child.kill("SIGKILL");
    throw error;
  }
}
