import type { Clock } from "../../time/clock";
import type { ReplayGuard } from "../replay/replay.guard";
import { SsoError, SsoErrorCode } from "../sso.error";
import { type SsoExchangeInput, SsoMethod, type SsoMethodHandler } from "../sso-method";
import { SealedBox } from "./sealed-box";

export const LOGIN_CODE_PURPOSE = "login-code";

/** A one-time code a browser login callback hands the front end instead of a cookie. */
export interface LoginCode extends Record<string, unknown> {
  memberKey: string;
  codeId: string;
  provider: string;
}

/**
 * LOGIN_CODE: the one-time code from `/auth/<provider>/callback?delivery=code`, exchanged with
 * `exchangeSsoToken`. The code is sealed (only this gateway makes or reads one), short-lived and
 * single-use across every process.
 */
export class LoginCodeMethod implements SsoMethodHandler {
  readonly method = SsoMethod.LOGIN_CODE;
  private readonly codes: SealedBox<LoginCode>;

  constructor(
    secret: Buffer,
    private readonly deps: { clock: Clock; replayGuard: ReplayGuard },
  ) {
    this.codes = new SealedBox(secret, LOGIN_CODE_PURPOSE, deps.clock);
  }

  async resolve(input: SsoExchangeInput): Promise<{ memberKey: string }> {
    if (!input.token) throw new SsoError(SsoErrorCode.BAD_REQUEST, "LOGIN_CODE needs the code as token");
    const opened = await this.codes.open(input.token);
    if (!opened || typeof opened.value.memberKey !== "string" || typeof opened.value.codeId !== "string") {
      throw new SsoError(SsoErrorCode.INVALID_TOKEN, "The login code is not valid or has expired");
    }
    if (!(await this.deps.replayGuard.claim(opened.value.codeId, opened.expiresAt))) {
      throw new SsoError(SsoErrorCode.REPLAYED_TOKEN, "This login code was already used; sign in again");
    }
    return { memberKey: opened.value.memberKey };
  }
}
