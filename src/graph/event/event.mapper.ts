import type { EventEntity } from "../../db/entities/event.entity";
import { Event } from "./event.type";

export const toEvent = (entity: EventEntity): Event =>
  Object.assign(new Event(), {
    key: entity.eventKey,
    title: entity.title,
    description: entity.description,
    startsAt: entity.startsAt,
    endsAt: entity.endsAt,
    timeZone: entity.timeZone,
    location: entity.location,
    url: entity.url,
    productCode: entity.productCode,
    category: entity.category,
    isMembersOnly: entity.isMembersOnly,
    lastRefreshedAt: entity.lastRefreshedAt,
  });
