import type { EventsMapping, FieldRef, GroupMapping, MembershipMapping, SalesforceMapping } from "./salesforce-mapping";

/** A record as SOQL returns it: fields by API name, relationships as nested records. */
export type SoqlRecord = Record<string, unknown>;

const refPaths = (ref: FieldRef): string[] => (ref === null ? [] : Array.isArray(ref) ? ref : [ref]);

/** The value at a field path (`Account.Name` walks the nested Account); undefined when absent. */
export function readPath(record: SoqlRecord, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The first value of a mapped field that is not null or blank text; null when unmapped or empty. */
export function readRef(record: SoqlRecord, ref: FieldRef): unknown {
  for (const path of refPaths(ref)) {
    const value = readPath(record, path);
    if (value !== undefined && value !== null && !(typeof value === "string" && value.trim() === "")) return value;
  }
  return null;
}

/** Every field a Contact query selects for the mapping. */
export function contactFields(mapping: SalesforceMapping): string[] {
  const { contact } = mapping;
  return unique([
    "Id",
    "SystemModstamp",
    ...Object.values(contact.fields).flatMap(refPaths),
    ...contact.phones.map((phone) => phone.field),
  ]);
}

export function membershipFields(membership: MembershipMapping): string[] {
  return unique([
    "Id",
    "SystemModstamp",
    membership.contactField,
    membership.typeField,
    membership.groupKeyField,
    membership.endField,
    ...refPaths(membership.beginField),
    ...refPaths(membership.statusField),
    ...refPaths(membership.cancelledField),
  ]);
}

export function groupFields(group: GroupMapping): string[] {
  return unique([
    "Id",
    "SystemModstamp",
    group.contactField,
    group.keyField,
    group.nameField,
    ...[group.typeField, group.subTypeField, group.roleField, group.beginField, group.endField, group.activeField].flatMap(refPaths),
  ]);
}

export function eventFields(events: EventsMapping): string[] {
  return unique(["Id", "SystemModstamp", "IsDeleted", ...Object.values(events.fields).flatMap(refPaths), ...events.visibleWhen]);
}

/** The objects whose rows belong to a Contact, each with the lookup that names it. */
export function relatedObjects(mapping: SalesforceMapping): Array<{ object: string; contactField: string; where: string | null }> {
  const all = [...(mapping.membership ? [mapping.membership] : []), ...mapping.communities, ...mapping.securityGroups];
  const seen = new Map<string, { object: string; contactField: string; where: string | null }>();
  for (const related of all)
    seen.set(`${related.object}.${related.contactField}`, {
      object: related.object,
      contactField: related.contactField,
      where: related.where,
    });
  return [...seen.values()];
}

function unique(fields: string[]): string[] {
  return [...new Set(fields)];
}
