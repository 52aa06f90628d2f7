import { longText, optionalKey, optionalText, requiredKey, requiredText } from "../member-info/wire-values";
import type { PersonifyMapping } from "./personify.mapping";
import { odataDay, odataFlag, odataInstant, requiredOdataInstant, RowReader } from "./personify-values";

/**
 * One leaf per canonical field of each entity set, bounded by the cache columns they end in (the
 * same bounds the MemberInfo schema uses), so one oversized value fails its own member only.
 */

const owner = { masterCustomerId: requiredKey(), subCustomerId: optionalKey() };
const url = () => optionalText(500);

const customerLeaves = {
  ...owner,
  memberId: optionalText(64, true),
  prefix: optionalText(32),
  firstName: optionalText(100),
  middleName: optionalText(100),
  lastName: optionalText(100),
  suffix: optionalText(32),
  designation: optionalText(100),
  informalName: optionalText(100),
  labelName: optionalText(200),
  recordType: optionalText(32),
  status: optionalText(100),
  customerClass: optionalText(100),
  email: optionalText(320),
  companyName: optionalText(200),
  title: optionalText(200),
  websiteUrl: url(),
  bio: longText(),
  profileImageUrl: url(),
  memberSince: odataDay(),
  excludeFromDirectory: odataFlag(),
  updatedAt: odataInstant(),
};

const addressLeaves = {
  ...owner,
  line1: optionalText(200),
  line2: optionalText(200),
  line3: optionalText(200),
  city: optionalText(100),
  state: optionalText(100),
  postalCode: optionalText(32, true),
  country: optionalText(100),
  primary: odataFlag(),
  updatedAt: odataInstant(),
};

const phoneLeaves = { ...owner, number: optionalText(64, true), type: optionalText(100), primary: odataFlag(), updatedAt: odataInstant() };
const emailLeaves = { ...owner, address: optionalText(320), primary: odataFlag(), updatedAt: odataInstant() };

const committeeLeaves = {
  committeeMasterCustomerId: requiredKey(),
  committeeName: optionalText(200),
  subType: optionalText(100),
  memberMasterCustomerId: requiredKey(),
  memberSubCustomerId: optionalKey(),
  role: optionalText(100),
  beginDate: odataDay(),
  endDate: odataDay(),
  updatedAt: odataInstant(),
};

const orderLeaves = {
  ...owner,
  orderNumber: optionalText(100, true),
  lineNumber: optionalText(32, true),
  // The group key is `<groupType>:<productCode>` in a 100-character column.
  productCode: requiredText(60),
  productName: optionalText(200),
  memberType: requiredText(100),
  beginDate: odataDay(),
  endDate: odataDay(),
  status: optionalText(100),
  updatedAt: odataInstant(),
};

const eventLeaves = {
  eventKey: requiredKey(),
  productCode: optionalText(100, true),
  title: requiredText(300),
  description: longText(),
  startsAt: requiredOdataInstant(),
  endsAt: odataInstant(),
  timeZone: optionalText(64),
  location: optionalText(300),
  url: url(),
  category: optionalText(100),
  membersOnly: odataFlag(),
  status: optionalText(100),
  updatedAt: odataInstant(),
};

/** The committee name lookup: a committee is a customer record of its own. */
const committeeCustomerLeaves = { masterCustomerId: requiredKey(), labelName: optionalText(200) };

export type PersonifyReaders = ReturnType<typeof createReaders>;

/** Row readers for a mapping; optional entity sets that are switched off have none. */
export function createReaders(mapping: PersonifyMapping) {
  const customers = mapping.customers.fields;
  return {
    customers: new RowReader(customers, customerLeaves),
    committeeCustomers: new RowReader(
      { masterCustomerId: customers.masterCustomerId, labelName: customers.labelName },
      committeeCustomerLeaves,
    ),
    addresses: mapping.addresses && new RowReader(mapping.addresses.fields, addressLeaves),
    phones: mapping.phones && new RowReader(mapping.phones.fields, phoneLeaves),
    emails: mapping.emails && new RowReader(mapping.emails.fields, emailLeaves),
    committees: mapping.committees && new RowReader(mapping.committees.fields, committeeLeaves),
    orders: mapping.orders && new RowReader(mapping.orders.fields, orderLeaves),
    events: mapping.events && new RowReader(mapping.events.fields, eventLeaves),
  };
}
