import { type ChildProcess, fork } from "node:child_process";

interface Request {
  id: number;
  type: string;
  payload: unknown;
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** A benchmark process the orchestrator drives by message; it lives until `stop()`. */
export interface ChildHandle {
  readonly pid: number;
  call<T>(type: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to clean up and exit; kills it (this child only) if it does not. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface ChildOptions {
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Child stdout/stderr: inherited by default so warnings and crashes show in the bench output. */
  silent?: boolean;
}

const EXIT = "__exit";

/**
 * Forks a compiled bench module and waits for it to say it is ready. Measured code runs in
 * children so that load generators never share a process (or an event loop) with the server
 * they measure, and so that each load's memory is its own.
 */
export async function startChild(modulePath: string, options: ChildOptions = {}): Promise<ChildHandle> {
  const child = fork(modulePath, [], {
    execArgv: options.execArgv ?? [],
    env: { ...process.env, ...options.env },
    stdio: options.silent ? ["ignore", "ignore", "inherit", "ipc"] : ["ignore", "inherit", "inherit", "ipc"],
  });
  await waitForReady(child, modulePath);
  return handleOf(child);
}

function waitForReady(child: ChildProcess, modulePath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if ((message as { ready?: boolean }).ready) {
        child.off("exit", onExit);
        child.off("message", onMessage);
        resolve();
      }
    };
    const onExit = (code: number | null) => reject(new Error(`${modulePath} exited (${code}) before it was ready`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

function handleOf(child: ChildProcess): ChildHandle {
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let exited = false;
  child.on("message", (message: unknown) => {
    const reply = message as Reply;
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new Error(reply.error));
  });
  const exitedPromise = new Promise<void>((resolve) =>
    child.once("exit", (code) => {
      exited = true;
      for (const waiter of pending.values()) waiter.reject(new Error(`child ${child.pid} exited (${code}) mid-call`));
      pending.clear();
      resolve();
    }),
  );
  return {
    pid: child.pid!,
    call<T>(type: string, payload: unknown = null, timeoutMs = 10 * 60_000): Promise<T> {
      if (exited) return Promise.reject(new Error(`child ${child.pid} has exited`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`child call ${type} took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ id, type, payload } satisfies Request);
      });
    },
    async stop(timeoutMs = 30_000): Promise<void> {
      if (exited) return;
      child.send({ id: 0, type: EXIT, payload: null } satisfies Request);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

export type Handlers = Record<string, (payload: any) => Promise<unknown> | unknown>;

/**
 * The child side: answers the orchestrator's calls with `handlers`, runs `cleanup` before
 * exiting, and exits on its own if the orchestrator goes away (so a crashed run leaves nothing).
 */
export function serveChild(handlers: Handlers, cleanup: () => Promise<void> = async () => undefined): void {
  process.on("message", async (message: Request) => {
    if (message.type === EXIT) {
      await cleanup().catch((error: unknown) => console.error("bench child cleanup failed:", error));
      process.exit(0);
    }
    const handler = handlers[message.type];
    try {
      if (!handler) throw new Error(`no handler for ${message.type}`);
      const result = await handler(message.payload);
      process.send!({ id: message.id, ok: true, result } satisfies Reply);
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.send!({ id: message.id, ok: false, error: text } satisfies Reply);
    }
  });
  process.on("disconnect", () => process.exit(1));
  process.send!({ ready: true });
}
