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
}

const MIN_GATEWAY_KEY_LENGTH = 24;

/** Reads `FEDERATION_GATEWAY_KEYS` (comma-separated, 24+ characters each). */
export function readFederationConfig(read: EnvReader, production: boolean): FederationConfig {
  const gatewayKeys = read.list("FEDERATION_GATEWAY_KEYS");
  gatewayKeys.forEach((key, index) => {
    if (key.length < MIN_GATEWAY_KEY_LENGTH) {
      read.problem(`FEDERATION_GATEWAY_KEYS entry ${index + 1} is shorter than ${MIN_GATEWAY_KEY_LENGTH} characters`);
    }
  });
  return { gatewayKeys, serviceOpen: !production && gatewayKeys.length === 0 };
}
