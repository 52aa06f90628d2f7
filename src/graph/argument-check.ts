import { ValidationError } from "class-validator";
import { ArgumentValidationError } from "type-graphql";

/**
 * Hand checks for the hottest operations' arguments, whose resolvers turn type-graphql's
 * class-validator pass off (it costs a dynamic import and an async validation per request):
 * each check makes class-validator's own refusals, with its constraint names, messages and
 * order (properties as declared, a property's decorators bottom-up), so the error a client
 * sees is unchanged. test/argument-checks.test.ts holds every check to class-validator's
 * answer for the same values.
 */
export class ArgumentRefusals {
  readonly errors: ValidationError[] = [];

  constructor(private readonly target: object) {}

  /** One property's failed constraints, by class-validator's names, in its order. */
  add(property: string, value: unknown, constraints: Array<[name: string, message: string] | undefined>): this {
    const failed = constraints.filter((constraint) => constraint !== undefined);
    if (failed.length === 0) return this;
    const error = new ValidationError();
    error.target = this.target;
    error.property = property;
    error.value = value;
    error.children = [];
    error.constraints = Object.fromEntries(failed);
    this.errors.push(error);
    return this;
  }

  /** Throws what type-graphql throws when validation refuses an argument. */
  throwIfAny(): void {
    if (this.errors.length > 0) throw new ArgumentValidationError(this.errors);
  }
}

/** class-validator skips a missing property (type-graphql sets `skipMissingProperties`). */
export const isMissing = (value: unknown): value is null | undefined => value === null || value === undefined;
