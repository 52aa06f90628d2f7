/**
 * The columns of a member import, named as the MemberInfo payload names its fields (contract
 * §2), so a push and an import speak one vocabulary. Only LegacyContactKey is required; any
 * subset of the others may be present, in any order.
 */
export const DETAIL_COLUMNS = [
  ["LegacyContactKey", "The AMS key (required)", "00012345"],
  ["MemberId", "The AMS's display number", "12345"],
  ["PrefixCode", "Ms., Dr., …", "Dr."],
  ["FirstName", "", "Margaret"],
  ["MiddleName", "", ""],
  ["LastName", "", "Hamilton"],
  ["SuffixCode", "", ""],
  ["Designation", "Credentials, e.g. CPA", "PhD"],
  ["InformalName", "Nickname", "Maggie"],
  ["MemberType", "One type per member", "Regular"],
  ["EmailAddress", "", "margaret@example.org"],
  ["Phone1", "", "(312) 555-0142"],
  ["Phone1Type", "Work, Home, Mobile, Fax, TollFree or any other word", "Work"],
  ["Phone2", "", ""],
  ["Phone2Type", "", ""],
  ["Phone3", "", ""],
  ["Phone3Type", "", ""],
  ["Phone4", "", ""],
  ["Phone4Type", "", ""],
  ["Address1", "", "1 Main St"],
  ["Address2", "", ""],
  ["Address3", "", ""],
  ["City", "", "Chicago"],
  ["State", "", "IL"],
  ["PostalCode", "", "60601"],
  ["Country", "", "US"],
  ["Title", "Job title", "Director"],
  ["CompanyName", "", "Example Labs"],
  ["Bio", "", ""],
  ["ProfileImageURL", "", ""],
  ["WebsiteUrl", "", ""],
  ["LinkedInURL", "", ""],
  ["FacebookURL", "", ""],
  ["TwitterURL", "", ""],
  ["YouTubeURL", "", ""],
  ["BloggerURL", "", ""],
  ["WordPressURL", "", ""],
  ["OtherBlogURL", "", ""],
  ["MemberSince", "yyyy-MM-dd", "2011-03-15"],
  ["MemberExpiresOn", "yyyy-MM-dd", "2026-12-31"],
  ["IsActive", "true/false, 1/0, yes/no; blank means true", "true"],
  ["IsOrganization", "true/false; blank means false", "false"],
  ["ExcludeFromDirectory", "true/false; blank means false", "false"],
] as const;

/** Lists of groups in one cell: `Key|Name|Type|Role|BeginDate|EndDate`, entries separated by `;`. */
export const GROUP_COLUMNS = [
  ["CommunityGroups", "Key|Name|Type|Role|BeginDate|EndDate;…", "CH-CHI|Chicago Chapter|Chapter|Member|2024-01-01|"],
  ["SecurityGroups", "Key|Name|Type|Role|BeginDate|EndDate;…", "SG-BOARD|Board Portal|Security||2024-01-01|"],
] as const;

export type DetailColumn = (typeof DETAIL_COLUMNS)[number][0];
export type GroupColumn = (typeof GROUP_COLUMNS)[number][0];

export const ALL_COLUMNS: readonly string[] = [...DETAIL_COLUMNS.map(([name]) => name), ...GROUP_COLUMNS.map(([name]) => name)];
export const KEY_COLUMN = "LegacyContactKey";

const quote = (cell: string) => (/[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

/** The template: the header row and one example row. */
export function templateCsv(): string {
  const all = [...DETAIL_COLUMNS, ...GROUP_COLUMNS];
  return `${all.map(([name]) => quote(name)).join(",")}\r\n${all.map(([, , example]) => quote(example)).join(",")}\r\n`;
}

/** What each column means, for the README and `--help`. */
export function columnGuide(): string {
  return [...DETAIL_COLUMNS, ...GROUP_COLUMNS].map(([name, meaning]) => `${name}${meaning ? `: ${meaning}` : ""}`).join("\n");
}
