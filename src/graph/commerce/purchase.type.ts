import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { enumOf } from "../enum-of";
import { DateScalar } from "../scalars";

@ObjectType({ simpleResolvers: true, description: "One product order of the member (eCommerce), as the AMS reports it." })
export class Purchase {
  @Field() productCode!: string;
  @Field(() => String, { nullable: true }) productName!: string | null;
  @Field(() => DateScalar, { nullable: true }) orderDate!: string | null;
  @Field(() => String, { nullable: true, description: "The AMS's own word, e.g. Active, Paid, Cancelled." }) status!: string | null;
  @Field(() => Int) quantity!: number;
  @Field(() => DateScalar, { nullable: true }) termBegin!: string | null;
  @Field(() => DateScalar, { nullable: true }) termEnd!: string | null;
}

export const ENTITLEMENT_KINDS = ["COMMUNITY", "SECURITY_GROUP"] as const;
export const EntitlementKind = enumOf(ENTITLEMENT_KINDS);
registerEnumType(EntitlementKind, { name: "EntitlementKind" });

@ObjectType({ description: "What a member may access because of a purchase: a membership a purchase rule grants." })
export class Entitlement {
  @Field() productCode!: string;
  @Field(() => String, { nullable: true }) productName!: string | null;
  @Field(() => EntitlementKind) kind!: (typeof ENTITLEMENT_KINDS)[number];
  /** The community or security group granted (resolved through the loaders). */
  grantKey!: string;
  @Field(() => DateScalar, { nullable: true }) beginDate!: string | null;
  @Field(() => DateScalar, { nullable: true }) endDate!: string | null;
  @Field({ description: "Whether the term runs today (in the association's calendar)." }) activeNow!: boolean;
}
