import type { AmsSource } from "../../sources/ams-source";
import { SourceError, SourceErrorCode } from "../../sources/source.error";
import { SsoError, SsoErrorCode } from "../sso.error";
import { SsoMethod, type SsoExchangeInput, type SsoMethodHandler } from "../sso-method";

/** WEB_SERVICE: the AMS resolves its own single sign-on token (contracts §1 `POST /sso/resolve`). */
export class WebServiceMethod implements SsoMethodHandler {
  readonly method = SsoMethod.WEB_SERVICE;

  constructor(private readonly source: AmsSource) {}

  async resolve(input: SsoExchangeInput): Promise<{ memberKey: string }> {
    const token = input.token?.trim() ?? "";
    if (token === "") throw new SsoError(SsoErrorCode.BAD_REQUEST, "WEB_SERVICE needs a token");
    if (token.length > 4_096) throw new SsoError(SsoErrorCode.INVALID_TOKEN, "The sign-on token is not valid");
    if (!this.source.resolveSsoToken) throw new SsoError(SsoErrorCode.METHOD_DISABLED, "This AMS does not resolve sign-on tokens");
    try {
      return { memberKey: await this.source.resolveSsoToken(token) };
    } catch (error) {
      if (error instanceof SourceError && (error.code === SourceErrorCode.AUTH_REJECTED || error.code === SourceErrorCode.NOT_FOUND)) {
        throw new SsoError(SsoErrorCode.INVALID_TOKEN, "The sign-on token is not valid");
      }
      if (error instanceof SourceError) {
        throw new SsoError(SsoErrorCode.PROVIDER_UNAVAILABLE, "The AMS could not check the token; try again shortly", { cause: error });
      }
      throw error;
    }
  }
}
