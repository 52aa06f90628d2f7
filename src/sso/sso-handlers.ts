import { hasBrowserProviders } from "../config/browser-sso.config";
import type { AppConfig } from "../config/config";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import type { AmsSource } from "../sources/ams-source";
import type { Clock } from "../time/clock";
import { LoginCodeMethod } from "./browser/login-code.method";
import { CredentialsMethod, type CredentialLimiters, memoryLimiters } from "./credentials/credentials.method";
import { OidcMethod } from "./oidc/oidc.method";
import { PersonifySsoMethod } from "./personify/personify-sso.method";
import { DatabaseReplayGuard } from "./replay/database-replay.guard";
import { PresharedKeyMethod } from "./preshared-key/preshared-key.method";
import type { SsoMethodHandler } from "./sso-method";
import { type SharedLimitStore, sharedLimiters } from "./credentials/shared-limiters";
import { WebServiceMethod } from "./web-service/web-service.method";

/** One handler per configured method; a method without its settings is simply absent. */
export function createSsoHandlers(
  config: AppConfig,
  deps: {
    source: AmsSource;
    transactions: TransactionRunner;
    clock: Clock;
    logger: Logger;
    limiters?: CredentialLimiters;
    /** With Redis, credential limits are shared by every process of the deployment. */
    sharedLimits?: SharedLimitStore;
  },
): SsoMethodHandler[] {
  const { clock, logger } = deps;
  const handlers: SsoMethodHandler[] = [];
  if (config.sso.presharedKey) {
    const replayGuard = new DatabaseReplayGuard(deps.transactions, clock, "psk");
    handlers.push(new PresharedKeyMethod(config.sso.presharedKey, { clock, replayGuard, logger }));
  }
  if (config.sso.personify) handlers.push(new PersonifySsoMethod(config.sso.personify, { clock, logger }));
  if (config.sso.oidc) {
    const replayGuard = new DatabaseReplayGuard(deps.transactions, clock, "oidc");
    handlers.push(new OidcMethod(config.sso.oidc, { clock, replayGuard, logger }));
  }
  if (config.session.credentialsEnabled && deps.source.authenticate) {
    const limits = {
      maxFailuresPerUsername: config.session.maxFailuresPerUsername,
      maxAttemptsPerClient: config.session.maxAttemptsPerClient,
      windowMs: config.session.rateWindowMs,
    };
    const limiters = deps.limiters ?? (deps.sharedLimits ? sharedLimiters(limits, deps.sharedLimits) : memoryLimiters(limits));
    handlers.push(new CredentialsMethod(deps.source, limiters, logger));
  }
  if (config.session.webServiceEnabled && deps.source.resolveSsoToken) handlers.push(new WebServiceMethod(deps.source));
  const sealing = config.session.keys[0];
  if (hasBrowserProviders(config.browserSso) && sealing) {
    const replayGuard = new DatabaseReplayGuard(deps.transactions, clock, "login-code");
    handlers.push(new LoginCodeMethod(sealing.secret, { clock, replayGuard }));
  }
  return handlers;
}
