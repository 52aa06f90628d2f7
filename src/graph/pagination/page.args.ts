import { IsOptional, Max, MaxLength, max, maxLength, Min, min } from "class-validator";
import { ArgsType, Field, Int } from "type-graphql";
import { ArgumentRefusals, isMissing } from "../argument-check";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
export const MAX_CURSOR_LENGTH = 2_000;

/** Forward paging shared by every connection. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: DEFAULT_PAGE_SIZE, description: `How many to return, 1 to ${MAX_PAGE_SIZE}.` })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first: number = DEFAULT_PAGE_SIZE;

  @Field(() => String, { nullable: true, description: "An endCursor from a previous page." })
  @IsOptional()
  @MaxLength(MAX_CURSOR_LENGTH)
  after?: string | null;
}

/** class-validator's refusals of {@link PageArgs}, by hand (see {@link ArgumentRefusals}). */
export function pageArgsRefusals(page: PageArgs): ArgumentRefusals {
  const refusals = new ArgumentRefusals(page);
  if (!isMissing(page.first)) {
    // `@Min` above `@Max`: decorators apply bottom-up, so Max is checked first.
    refusals.add("first", page.first, [
      max(page.first, MAX_PAGE_SIZE) ? undefined : ["max", `first must not be greater than ${MAX_PAGE_SIZE}`],
      min(page.first, 1) ? undefined : ["min", "first must not be less than 1"],
    ]);
  }
  if (!isMissing(page.after)) {
    refusals.add("after", page.after, [
      maxLength(page.after, MAX_CURSOR_LENGTH)
        ? undefined
        : ["maxLength", `after must be shorter than or equal to ${MAX_CURSOR_LENGTH} characters`],
    ]);
  }
  return refusals;
}
