import { toMemberInfo } from "../../src/sources/member-info/member-info.mapper";
import { DemoAssociation } from "../../src/sources/demo/demo-association";
import { SystemClock } from "../../src/time/clock";
import { type FakePersonifyDataServices, startFakePersonify } from "../../test/support/fake-personify-data-services";
import { personifyEnv } from "../../test/support/personify-config";
import { committeesOf, fakeMemberFromRecord } from "../../test/support/personify-fake-records";
import { type FakeAms, InMemoryAms, startFakeAms } from "../../test/support/in-memory-ams";
import { serveChild } from "../support/child-rpc";
import type { FakeAmsRequest, FakeAmsStarted } from "./personify-source.types";

let close: () => Promise<void> = async () => undefined;

/**
 * The AMS side of the comparison, in its own process: the same demo members, generated before
 * the clock starts, served either over the JSON source protocol (the `rest` source's fake AMS)
 * or as Personify Data Services (the Personify fake).
 */
async function start(request: FakeAmsRequest): Promise<FakeAmsStarted> {
  const started = performance.now();
  const association = new DemoAssociation({ seed: request.seed, members: request.members, clock: new SystemClock() });
  const updatedAt = new Date(Date.now() - 60_000);
  const records = Array.from({ length: request.members }, (_, index) => association.member(association.keyAt(index))!);
  if (request.variant === "rest") {
    const ams = new InMemoryAms();
    for (const record of records) ams.setMember(record.memberKey, toMemberInfo(record, updatedAt), updatedAt);
    const fake: FakeAms = await startFakeAms(ams);
    close = () => fake.close();
    return {
      env: { AMS_SOURCE: "rest", AMS_URL: fake.url, AMS_API_KEY: fake.apiKey, AMS_RETRY_BASE: "0" },
      setupMs: performance.now() - started,
    };
  }
  const fake: FakePersonifyDataServices = await startFakePersonify({ serverPageSize: 1_000 });
  for (const [key, name] of committeesOf(records)) fake.store.putCommittee(key, name);
  for (const record of records) fake.store.putMember(fakeMemberFromRecord(record, updatedAt));
  close = () => fake.close();
  return { env: { AMS_SOURCE: "personify", ...personifyEnv(fake) }, setupMs: performance.now() - started };
}

serveChild({ start }, () => close());
