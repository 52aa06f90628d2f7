import "reflect-metadata";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ValidationError, validateSync } from "class-validator";
import { ArgumentValidationError } from "type-graphql";
import { MemberFilter, memberFilterRefusals } from "../src/graph/member/member-filter.input";
import { PageArgs, pageArgsRefusals } from "../src/graph/pagination/page.args";

/** What class-validator answers as type-graphql calls it (missing properties skipped). */
const byClassValidator = (target: object) => shapeOf(validateSync(target, { skipMissingProperties: true, forbidUnknownValues: false }));

const shapeOf = (errors: ValidationError[]) =>
  errors.map((error) => ({
    property: error.property,
    value: error.value,
    constraints: Object.entries(error.constraints ?? {}),
    children: error.children,
  }));

const emoji = "\u{1F600}";

describe("hand checks of the members page arguments refuse exactly as class-validator", () => {
  const pages: Array<Partial<PageArgs>> = [
    {},
    { first: 50 },
    { first: 1 },
    { first: 500 },
    { first: 501 },
    { first: 0 },
    { first: -3 },
    { first: 100_000 },
    { after: null },
    { after: "x".repeat(2_000) },
    { after: "x".repeat(2_001) },
    // class-validator counts a surrogate pair as one character.
    { after: emoji.repeat(2_000) },
    { after: emoji.repeat(2_001) },
    { first: 0, after: "x".repeat(2_001) },
  ];
  for (const values of pages) {
    it(`page ${JSON.stringify(values).slice(0, 60)}`, () => {
      const page = Object.assign(new PageArgs(), values);
      assert.deepEqual(shapeOf(pageArgsRefusals(page).errors), byClassValidator(page));
    });
  }

  const filters: Array<Partial<MemberFilter>> = [
    {},
    { search: "ada", memberTypes: ["Regular"], statuses: ["ACTIVE"], isMember: true, communityKey: "NE", securityGroupKey: "G" },
    { search: "x".repeat(200) },
    { search: "x".repeat(201) },
    { search: emoji.repeat(200) },
    { search: null, memberTypes: null, communityKey: null, securityGroupKey: null },
    { memberTypes: Array.from({ length: 50 }, (_, index) => `T${index}`) },
    { memberTypes: Array.from({ length: 51 }, (_, index) => `T${index}`) },
    { communityKey: "k".repeat(101) },
    { securityGroupKey: "k".repeat(101) },
    {
      securityGroupKey: "k".repeat(101),
      communityKey: "k".repeat(101),
      memberTypes: Array.from({ length: 51 }, () => "T"),
      search: "x".repeat(201),
    },
  ];
  for (const values of filters) {
    it(`filter ${JSON.stringify(values).slice(0, 60)}`, () => {
      const filter = Object.assign(new MemberFilter(), values);
      assert.deepEqual(shapeOf(memberFilterRefusals(filter).errors), byClassValidator(filter));
    });
  }

  it("throws type-graphql's ArgumentValidationError with those errors, and nothing when all is well", () => {
    assert.doesNotThrow(() => pageArgsRefusals(Object.assign(new PageArgs(), { first: 10 })).throwIfAny());
    assert.throws(
      () => pageArgsRefusals(Object.assign(new PageArgs(), { first: 501 })).throwIfAny(),
      (error: unknown) =>
        error instanceof ArgumentValidationError &&
        error.extensions.validationErrors[0]?.constraints?.max === "first must not be greater than 500",
    );
  });
});
