import { IsOptional, MaxLength } from "class-validator";
import { Field, InputType, ObjectType, registerEnumType } from "type-graphql";
import { Role } from "../../auth/viewer";
import { SsoMethod } from "../../sso/sso-method";
import { DateTimeScalar } from "../scalars";

registerEnumType(SsoMethod, {
  name: "SsoMethod",
  description:
    "PRESHARED_KEY: a token from the association's website. PERSONIFY: the ct from Personify's redirect. " +
    "CREDENTIALS: username and password checked by the AMS. OIDC: an OpenID Connect ID token. WEB_SERVICE: the AMS's own token. " +
    "LOGIN_CODE: the one-time code a browser login (/auth/<provider>/callback) put in the return URL.",
});
registerEnumType(Role, { name: "Role" });

@InputType({ description: "Proof of identity for one sign-on method; each method reads the fields it needs." })
export class ExchangeSsoTokenInput {
  @Field(() => SsoMethod) method!: SsoMethod;
  @Field(() => String, { nullable: true, description: "The token (PRESHARED_KEY, PERSONIFY ct, OIDC ID token, WEB_SERVICE, LOGIN_CODE)." })
  @IsOptional()
  @MaxLength(16_384)
  token?: string | null;
  @Field(() => String, { nullable: true, description: "CREDENTIALS." })
  @IsOptional()
  @MaxLength(320)
  username?: string | null;
  @Field(() => String, { nullable: true, description: "CREDENTIALS; never stored or logged." })
  @IsOptional()
  @MaxLength(1_024)
  password?: string | null;
  @Field(() => String, { nullable: true, description: "OIDC: the nonce the app sent in its authorization request." })
  @IsOptional()
  @MaxLength(512)
  nonce?: string | null;
}

@ObjectType({
  simpleResolvers: true,
  description: "A signed-in session: send accessToken as `Authorization: Bearer …` or in graphql-ws connectionParams.",
})
export class Session {
  @Field() accessToken!: string;
  @Field(() => DateTimeScalar) expiresAt!: Date;
  memberKey!: string;
}

@ObjectType({ simpleResolvers: true, description: "Who the current credentials say you are." })
export class Me {
  @Field(() => [Role]) roles!: Role[];
  @Field(() => String, { description: "session, api-key or anonymous" }) kind!: string;
  @Field(() => DateTimeScalar, { nullable: true }) expiresAt!: Date | null;
  memberKey!: string | null;
}
