import { faker } from "@faker-js/faker/locale/en_US";
import type { EventRecord } from "../member-record";
import { REGIONAL_CHAPTERS } from "./demo-catalog";
import { addDays } from "./demo-math";

/** Separates the event stream from the member stream of the same association seed. */
const EVENT_STREAM = 2;
const HOUR_MS = 3_600_000;

const TIME_ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"];
/** Whole-hour UTC offsets (standard time) of the zones above, so local start times look plausible. */
const UTC_OFFSET_HOURS: Readonly<Record<string, number>> = {
  "America/New_York": -5,
  "America/Chicago": -6,
  "America/Denver": -7,
  "America/Los_Angeles": -8,
};

type Category = "Conference" | "Webinar" | "Workshop" | "Chapter Meeting" | "Networking";

/** How many events an association of `members` members runs. */
export function demoEventCount(members: number): number {
  return Math.min(400, Math.max(12, Math.ceil(members / 25)));
}

export function demoEventKey(index: number): string {
  return `EV${String(index + 1).padStart(5, "0")}`;
}

export function demoEventIndex(eventKey: string): number | undefined {
  const match = /^EV(\d{5,})$/.exec(eventKey);
  return match ? Number(match[1]) - 1 : undefined;
}

/**
 * Event `index` of association `seed`, on its own (faker re-seeded per event). Some are past,
 * some members-only, a few deleted. `sourceUpdatedAt` is left for the association to set.
 */
export function generateDemoEvent(seed: number, index: number, today: string): EventRecord {
  faker.seed([seed, EVENT_STREAM, index]);
  const category = faker.helpers.weightedArrayElement<Category>([
    { weight: 10, value: "Conference" },
    { weight: 35, value: "Webinar" },
    { weight: 20, value: "Workshop" },
    { weight: 20, value: "Chapter Meeting" },
    { weight: 15, value: "Networking" },
  ]);
  const timeZone = faker.helpers.arrayElement(TIME_ZONES);
  const day = addDays(today, faker.number.int({ min: -240, max: 300 }));
  const localHour = faker.number.int({ min: 8, max: 18 });
  const startsAt = new Date(Date.parse(`${day}T00:00:00Z`) + (localHour - UTC_OFFSET_HOURS[timeZone]!) * HOUR_MS);
  const eventKey = demoEventKey(index);
  return {
    eventKey,
    title: eventTitle(category, day),
    description: `${faker.company.catchPhrase()}. ${faker.lorem.sentences({ min: 1, max: 3 })}`,
    startsAt,
    endsAt: new Date(startsAt.getTime() + durationHours(category) * HOUR_MS),
    timeZone,
    location: category === "Webinar" ? "Online" : `${faker.location.city()}, ${faker.location.state({ abbreviated: true })}`,
    url: `https://events.example.org/${eventKey}`,
    productCode: faker.datatype.boolean(0.6) ? `EVT-${String(index + 1).padStart(4, "0")}` : null,
    category,
    isMembersOnly: faker.datatype.boolean(0.35),
    isDeleted: faker.datatype.boolean(0.05),
    sourceUpdatedAt: null,
  };
}

function eventTitle(category: Category, day: string): string {
  switch (category) {
    case "Conference":
      return `${faker.location.city()} Regional Conference ${day.slice(0, 4)}`;
    case "Webinar":
      return `Webinar: ${capitalize(faker.company.buzzPhrase())}`;
    case "Workshop":
      return `Workshop: ${faker.company.catchPhrase()}`;
    case "Chapter Meeting":
      return `${faker.helpers.arrayElement(REGIONAL_CHAPTERS).name} Meeting`;
    case "Networking":
      return `${faker.location.city()} Networking Reception`;
  }
}

function durationHours(category: Category): number {
  if (category === "Conference") return 24 * faker.number.int({ min: 1, max: 2 }) + 8;
  if (category === "Workshop") return 3;
  return category === "Webinar" ? 1 : 2;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
