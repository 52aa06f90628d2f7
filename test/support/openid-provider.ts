import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface OpenIdProviderOptions {
  clients: Array<{ client_id: string; client_secret: string; redirect_uris: string[] }>;
  /** Claims per login name typed into the provider's form. */
  accounts: Record<string, Record<string, unknown>>;
}

export interface OpenIdProvider {
  issuer: string;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (`oidc-provider`, certified) in this process on a free loopback port,
 * with its development login form: any login name listed in `accounts` signs in with any password.
 */
export async function startOpenIdProvider(options: OpenIdProviderOptions): Promise<OpenIdProvider> {
  // oidc-provider is an ES module; this CommonJS build loads it with a dynamic import.
  const { default: Provider } = await import("oidc-provider");
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: options.clients.map((client) => ({ ...client, grant_types: ["authorization_code"], response_types: ["code"] })),
    cookies: { keys: ["test-cookie-key-0123456789"] },
    // Claims of granted scopes go into the ID token too, not only userinfo.
    conformIdTokenClaims: false,
    claims: { openid: ["sub"], amsgate: ["member_key"], email: ["email"] },
    scopes: ["openid", "amsgate", "email"],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx: unknown, id: string) {
      const claims = options.accounts[id];
      if (!claims) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
    },
  });
  // The development form warns on every start; keep test output quiet.
  provider.on("server_error", () => undefined);
  server.on("request", provider.callback());
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
