import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, type KeyLike, SignJWT } from "jose";

export type FakeOidcAlgorithm = "RS256" | "PS256" | "ES256";

interface SigningKey {
  kid: string;
  alg: FakeOidcAlgorithm;
  privateKey: KeyLike;
  publicKey: KeyLike;
  publicJwk: JWK;
}

/** How the fake answers one endpoint instead of normally. */
export type FakeOidcMishap = { kind: "status"; status: number } | { kind: "hang" } | { kind: "body"; body: string };

export interface SignOptions {
  alg?: FakeOidcAlgorithm;
  /** Defaults to the current key's id for the algorithm; a different value names a key the JWKS does not hold. */
  kid?: string;
  /** Sign with a key the provider never published. */
  privateKey?: KeyLike;
  /** Extra protected-header members, e.g. an embedded `jwk`. */
  header?: Record<string, unknown>;
}

/**
 * An OpenID Connect provider on 127.0.0.1, port 0, for tests: serves discovery and the JWKS over
 * real HTTP, signs ID tokens with its RSA (RS256, PS256) and EC (ES256) keys, and rotates keys.
 */
export class FakeOidcProvider {
  /** Paths requested, in order: shows what was fetched and what was cached. */
  readonly requests: string[] = [];
  private readonly keys = new Map<FakeOidcAlgorithm, SigningKey>();
  private retired: SigningKey[] = [];
  private generation = 0;
  private readonly mishaps = new Map<string, FakeOidcMishap>();
  /** Overrides of the discovery document's members. */
  discoveryOverrides: Record<string, unknown> = {};

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  /** `issuerPath` puts the issuer below the root, as Keycloak-style providers do. */
  static async start(options: { issuerPath?: string } = {}): Promise<FakeOidcProvider> {
    let fake: FakeOidcProvider | undefined;
    const server = createServer((request, response) => fake!.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeOidcProvider(server, `http://127.0.0.1:${port}${options.issuerPath ?? ""}`);
    for (const alg of ["RS256", "PS256", "ES256"] as const) await fake.addKey(alg);
    return fake;
  }

  get discoveryUrl(): string {
    return `${this.issuer}/.well-known/openid-configuration`;
  }

  get jwksUrl(): string {
    return `${this.issuer}/jwks`;
  }

  /** Signs `claims` as an ID token. */
  async sign(claims: JWTPayload, options: SignOptions = {}): Promise<string> {
    const key = this.keys.get(options.alg ?? "RS256")!;
    return new SignJWT(claims)
      .setProtectedHeader({ typ: "JWT", ...options.header, alg: key.alg, kid: options.kid ?? key.kid })
      .sign(options.privateKey ?? key.privateKey);
  }

  /** The public key of an algorithm's current key, as PEM: what an algorithm-switching attacker would use as an HMAC secret. */
  publicKeyPem(alg: FakeOidcAlgorithm = "RS256"): Promise<string> {
    return exportSPKI(this.keys.get(alg)!.publicKey);
  }

  currentKid(alg: FakeOidcAlgorithm = "RS256"): string {
    return this.keys.get(alg)!.kid;
  }

  /** A new key for `alg` with a new id; the old one leaves the JWKS unless `keepOld`. */
  async rotate(alg: FakeOidcAlgorithm = "RS256", options: { keepOld?: boolean } = {}): Promise<void> {
    const old = this.keys.get(alg);
    await this.addKey(alg);
    if (old && options.keepOld) this.retired.push(old);
  }

  /** Answer the next request for `path` (`/jwks` or the discovery path) with `mishap`. */
  failNext(path: "jwks" | "discovery", mishap: FakeOidcMishap): void {
    this.mishaps.set(path, mishap);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private async addKey(alg: FakeOidcAlgorithm): Promise<void> {
    this.generation += 1;
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `${alg.toLowerCase()}-${this.generation}`;
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
    this.keys.set(alg, { kid, alg, privateKey, publicKey, publicJwk });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? "/", this.issuer).pathname;
    this.requests.push(path);
    const issuerPath = new URL(this.issuer).pathname.replace(/\/$/, "");
    const endpoint =
      path === `${issuerPath}/jwks` ? "jwks" : path === `${issuerPath}/.well-known/openid-configuration` ? "discovery" : undefined;
    if (endpoint === undefined) return void response.writeHead(404).end();
    const mishap = this.mishaps.get(endpoint);
    if (mishap) {
      this.mishaps.delete(endpoint);
      if (mishap.kind === "hang") return;
      if (mishap.kind === "status") return void response.writeHead(mishap.status, { "Content-Type": "text/plain" }).end("unavailable");
      return void response.writeHead(200, { "Content-Type": "application/json" }).end(mishap.body);
    }
    const body =
      endpoint === "jwks"
        ? { keys: [...this.keys.values(), ...this.retired].map((key) => key.publicJwk) }
        : {
            issuer: this.issuer,
            jwks_uri: this.jwksUrl,
            authorization_endpoint: `${this.issuer}/authorize`,
            id_token_signing_alg_values_supported: ["RS256", "PS256", "ES256"],
            ...this.discoveryOverrides,
          };
    response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  }
}
