import type { EnvReader } from "./env-readers";

/** A loopback host: where plain http: is acceptable (local development and tests). */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** https, or http to a loopback host (local development and tests). Credentials in the URL are refused. */
export function readSecureUrl(read: EnvReader, name: string): string | undefined {
  const url = read.url(name, ["https:", "http:"]);
  if (url === undefined) return undefined;
  if (url.username !== "" || url.password !== "") {
    read.problem(`${name} must not carry a user name or password`);
    return undefined;
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    read.problem(`${name} must use https: (http: is accepted only for localhost)`);
    return undefined;
  }
  return url.toString();
}
