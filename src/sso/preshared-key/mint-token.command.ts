import { ConfigError } from "../../config/config.error";
import { loadConfig } from "../../config/config";
import { parseDurationMs } from "../../config/duration";
import type { Clock } from "../../time/clock";
import { mintPresharedKeyToken } from "./preshared-key.mint";

export interface CommandOutput {
  write(text: string): void;
}

export interface MintTokenCommandIo {
  env: Record<string, string | undefined>;
  clock: Clock;
  /** Receives the token alone, as the last line. */
  stdout: CommandOutput;
  /** Receives usage, explanations and errors. */
  stderr: CommandOutput;
}

const USAGE = "usage: npm run sso:mint-token -- <memberKey> [--ttl <duration, e.g. 60s>]\n";
const DEFAULT_TTL_SECONDS = 60;

/**
 * `npm run sso:mint-token -- <memberKey> [--ttl 60s]`: mints a PRESHARED_KEY token with the first
 * configured key, for trying sign-on by hand. Explanations go to stderr and the token alone to
 * stdout, so `$(npm run -s sso:mint-token -- 123)` captures just the token. Returns the exit code.
 */
export function runMintTokenCommand(args: readonly string[], io: MintTokenCommandIo): number {
  const parsed = parseArguments(args);
  if (typeof parsed === "string") {
    io.stderr.write(`${parsed}\n${USAGE}`);
    return 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 1;
  }
  const preshared = config.sso.presharedKey;
  if (preshared === undefined) {
    io.stderr.write("No preshared key is configured: set SSO_PRESHARED_KEYS=keyId:<64 hex characters> first.\n");
    return 1;
  }
  const maxTtlSeconds = Math.floor(preshared.maxTtlMs / 1000);
  const ttlSeconds = parsed.ttlSeconds ?? Math.min(DEFAULT_TTL_SECONDS, maxTtlSeconds);
  if (ttlSeconds > maxTtlSeconds) {
    io.stderr.write(`--ttl may be at most ${maxTtlSeconds}s (SSO_PRESHARED_MAX_TTL); the gateway would refuse a longer one.\n`);
    return 2;
  }
  const key = preshared.keys[0]!;
  let token: string;
  try {
    token = mintPresharedKeyToken(key, parsed.memberKey, { clock: io.clock, ttlSeconds });
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const expiresAt = new Date(io.clock.now().getTime() + ttlSeconds * 1000).toISOString();
  io.stderr.write(`PRESHARED_KEY token for member ${parsed.memberKey}, key id ${key.id}, single use, valid until ${expiresAt}:\n`);
  io.stdout.write(`${token}\n`);
  return 0;
}

function parseArguments(args: readonly string[]): { memberKey: string; ttlSeconds?: number } | string {
  const positional: string[] = [];
  let ttlSeconds: number | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg === "--ttl") {
      const text = args[index + 1];
      index += 1;
      const ms = text === undefined ? undefined : parseDurationMs(text);
      if (ms === undefined || ms < 1000) return "--ttl needs a duration of at least 1s, such as 60s or 5m";
      ttlSeconds = Math.floor(ms / 1000);
    } else if (arg.startsWith("--")) {
      return `unknown option ${arg}`;
    } else {
      positional.push(arg);
    }
  }
  if (positional.length === 0 || positional[0]!.trim() === "") return "No member key given.";
  if (positional.length > 1) return "Give exactly one member key.";
  return { memberKey: positional[0]!, ttlSeconds };
}
