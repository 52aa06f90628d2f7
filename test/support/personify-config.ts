import { ConfigError } from "../../src/config/config.error";
import { EnvReader } from "../../src/config/env-readers";
import { type PersonifySourceConfig, readPersonifyConfig } from "../../src/config/personify-source.config";
import type { FakePersonifyDataServices } from "./fake-personify-data-services";

/** The variables an operator would set to point amsgate at `fake`, sign-on included; retries without delay. */
export function personifyEnv(fake: FakePersonifyDataServices, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PERSONIFY_URL: fake.url,
    PERSONIFY_USERNAME: fake.username,
    PERSONIFY_PASSWORD: fake.password,
    PERSONIFY_RETRY_BASE: "0",
    PERSONIFY_AUTH_URL: fake.ssoUrl,
    PERSONIFY_AUTH_VENDOR_USERNAME: fake.signOn.vendorUsername,
    PERSONIFY_AUTH_VENDOR_PASSWORD: fake.signOn.vendorPassword,
    ...extra,
  };
}

/** The source configuration those variables make, read by the real config reader. */
export function personifyConfig(fake: FakePersonifyDataServices, extra: Record<string, string> = {}): PersonifySourceConfig {
  const read = new EnvReader(personifyEnv(fake, extra));
  const config = readPersonifyConfig(read);
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}
