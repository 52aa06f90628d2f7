import type { EnvReader } from "./env-readers";

/** How amsgate serves as an Apollo Federation 2 subgraph. */
export interface FederationConfig {
  /**
   * Keys a gateway (Apollo Router, Apollo Gateway) presents in `x-gateway-key` to read the
   * subgraph schema (`_service { sdl }`). From `FEDERATION_GATEWAY_KEYS`.
   */
  gatewayKeys: string[];
  /**
   * Whether `_service` answers without a key: in development and test while no key is
   * configured; never in production.
   */
  serviceOpen: boolean;
  /** The built-in gateway at `/supergraph`; undefined unless `FEDERATION_SUBGRAPHS` is set. */
  gateway?: BuiltInGatewayConfig;
}

/** Another subgraph the built-in gateway composes with amsgate. */
export interface SubgraphEndpoint {
  name: string;
  url: string;
}

export interface BuiltInGatewayConfig {
  /** From `FEDERATION_SUBGRAPHS=name=url,…`. */
  subgraphs: SubgraphEndpoint[];
  /** Signs the caller's identity for each subgraph (`FEDERATION_IDENTITY_KEY`, 32+ characters). */
  identityKey: string;
  /** How long a signed identity is good for (`FEDERATION_IDENTITY_TTL`). */
  identityTtlMs: number;
  /** How often the supergraph is composed again (`FEDERATION_COMPOSE_INTERVAL`, default 5m). */
  composeIntervalMs: number;
}

const MIN_IDENTITY_KEY_LENGTH = 32;
/** The name amsgate composes itself under. */
export const AMSGATE_SUBGRAPH = "amsgate";

const MIN_GATEWAY_KEY_LENGTH = 24;

/** Reads `FEDERATION_GATEWAY_KEYS` (comma-separated, 24+ characters each). */
export function readFederationConfig(read: EnvReader, production: boolean): FederationConfig {
  const gatewayKeys = read.list("FEDERATION_GATEWAY_KEYS");
  gatewayKeys.forEach((key, index) => {
    if (key.length < MIN_GATEWAY_KEY_LENGTH) {
      read.problem(`FEDERATION_GATEWAY_KEYS entry ${index + 1} is shorter than ${MIN_GATEWAY_KEY_LENGTH} characters`);
    }
  });
  const gateway = readBuiltInGateway(read);
  return { gatewayKeys, serviceOpen: !production && gatewayKeys.length === 0, ...(gateway ? { gateway } : {}) };
}

function readBuiltInGateway(read: EnvReader): BuiltInGatewayConfig | undefined {
  const name = "FEDERATION_SUBGRAPHS";
  const subgraphs: SubgraphEndpoint[] = [];
  for (const entry of read.list(name)) {
    const [subgraph, url] = [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)];
    const valid = entry.includes("=") && /^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(subgraph) && subgraph !== AMSGATE_SUBGRAPH && isHttpUrl(url);
    if (!valid || subgraphs.some((known) => known.name === subgraph)) {
      read.problem(
        `${name} entries must be name=http(s)://url with distinct names other than "${AMSGATE_SUBGRAPH}" (entry "${subgraph || entry.slice(0, 20)}")`,
      );
      continue;
    }
    subgraphs.push({ name: subgraph, url });
  }
  if (subgraphs.length === 0) return undefined;
  const identityKey = read.string("FEDERATION_IDENTITY_KEY", "");
  if (identityKey.length < MIN_IDENTITY_KEY_LENGTH) {
    read.problem(
      `FEDERATION_IDENTITY_KEY (${MIN_IDENTITY_KEY_LENGTH}+ characters) is required with ${name}: it signs the caller's identity for subgraphs`,
    );
  }
  return {
    subgraphs,
    identityKey,
    identityTtlMs: read.durationMs("FEDERATION_IDENTITY_TTL", 60_000, 1_000),
    composeIntervalMs: read.durationMs("FEDERATION_COMPOSE_INTERVAL", 5 * 60_000, 1_000),
  };
}

function isHttpUrl(text: string): boolean {
  try {
    return ["http:", "https:"].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
