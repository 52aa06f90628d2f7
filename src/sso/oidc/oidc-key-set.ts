import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";

/** The provider's keys could not be located: discovery failed or named no usable JWKS. */
export class OidcDiscoveryError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "OidcDiscoveryError";
  }
}

export interface OidcKeySetOptions {
  issuer: string;
  /** Unset: read `jwks_uri` from `<issuer>/.well-known/openid-configuration`. */
  jwksUrl: string | undefined;
  /** Per discovery or JWKS request. */
  timeoutMs: number;
  /** Least time between two JWKS fetches prompted by an unknown `kid`; jose's default is 30 s. */
  cooldownMs?: number;
  /** How long fetched keys are used before they are fetched again; jose's default is 10 minutes. */
  cacheMaxAgeMs?: number;
}

/**
 * The provider's signing keys, fetched with jose's remote key set: cached, refetched when a token
 * names a key id not seen yet (rotation), at most once per cooldown. Without a configured JWKS URL
 * the URL is discovered once; a failed discovery is retried on the next sign-on.
 */
export class OidcKeySet {
  private remote: Promise<JWTVerifyGetKey> | undefined;

  constructor(private readonly options: OidcKeySetOptions) {}

  /** For `jwtVerify`: the key that matches the token's header. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const remote = await this.remoteSet();
    return remote(header, token);
  };

  private remoteSet(): Promise<JWTVerifyGetKey> {
    this.remote ??= this.locate().then(
      (url) =>
        createRemoteJWKSet(url, {
          timeoutDuration: this.options.timeoutMs,
          cooldownDuration: this.options.cooldownMs,
          cacheMaxAge: this.options.cacheMaxAgeMs,
        }),
      (error: unknown) => {
        this.remote = undefined;
        throw error;
      },
    );
    return this.remote;
  }

  private async locate(): Promise<URL> {
    if (this.options.jwksUrl !== undefined) return new URL(this.options.jwksUrl);
    const discoveryUrl = `${this.options.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    let document: unknown;
    try {
      const response = await fetch(discoveryUrl, {
        headers: { Accept: "application/json" },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (response.status !== 200) throw new OidcDiscoveryError(`discovery answered HTTP ${response.status}`);
      document = await response.json();
    } catch (error) {
      if (error instanceof OidcDiscoveryError) throw error;
      throw new OidcDiscoveryError("discovery failed: no answer in time, or not JSON", { cause: error });
    }
    return this.jwksUrlFrom(document);
  }

  /** OpenID Connect Discovery 1.0 §4.3: the document must name exactly the issuer we trust. */
  private jwksUrlFrom(document: unknown): URL {
    const record = typeof document === "object" && document !== null ? (document as Record<string, unknown>) : {};
    if (record.issuer !== this.options.issuer) {
      throw new OidcDiscoveryError("the discovery document names another issuer");
    }
    let url: URL;
    try {
      url = new URL(String(record.jwks_uri));
    } catch {
      throw new OidcDiscoveryError("the discovery document has no valid jwks_uri");
    }
    // Keys over plain http only for an http issuer, which configuration allows for localhost alone.
    const issuerProtocol = new URL(this.options.issuer).protocol;
    if (url.protocol !== "https:" && !(url.protocol === "http:" && issuerProtocol === "http:")) {
      throw new OidcDiscoveryError("the discovery document's jwks_uri is not https");
    }
    return url;
  }
}
