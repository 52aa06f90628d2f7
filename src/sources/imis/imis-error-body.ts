import { collectionValues } from "./imis-envelope";

const MAX_DESCRIPTION_CHARS = 160;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const textOf = (value: unknown): string | null => (typeof value === "string" && value.trim() !== "" ? value.trim() : null);

/** The messages of a validation-results list (`Errors` as a collection of `{ Message }`), if any. */
function validationMessages(body: Record<string, unknown>): string[] {
  const holder = isObject(body.ValidationResults) ? body.ValidationResults : body;
  const errors = collectionValues(holder.Errors) ?? [];
  return errors.map((entry) => (isObject(entry) ? textOf(entry.Message) : textOf(entry))).filter((text): text is string => text !== null);
}

function fromJson(body: unknown): string | null {
  if (typeof body === "string") return textOf(body);
  if (!isObject(body)) return null;
  // The token endpoint answers OAuth errors; the API answers ASP.NET Web API errors or iMIS
  // validation results. Say the most specific thing each one carries.
  const oauth = textOf(body.error);
  if (oauth !== null) return [oauth, textOf(body.error_description)].filter(Boolean).join(": ");
  const validation = validationMessages(body);
  if (validation.length > 0) return validation.slice(0, 3).join("; ");
  const parts = [textOf(body.Message), textOf(body.ExceptionMessage)].filter((part): part is string => part !== null);
  return parts.length > 0 ? [...new Set(parts)].join(": ") : null;
}

/**
 * What an iMIS error answer said, briefly: the OAuth `error`/`error_description` of the token
 * endpoint, the `Message`/`ExceptionMessage` of an API error, the messages of validation
 * results, or the start of any other body (an HTML error page from a proxy). Empty when the
 * body said nothing.
 */
export function describeErrorBody(text: string): string {
  const compact = text.replace(/\s+/g, " ").trim();
  if (compact === "") return "";
  let said: string | null = null;
  try {
    said = fromJson(JSON.parse(text) as unknown);
  } catch {
    said = null;
  }
  const shown = said ?? compact;
  return shown.length > MAX_DESCRIPTION_CHARS ? `${shown.slice(0, MAX_DESCRIPTION_CHARS)}…` : shown;
}
