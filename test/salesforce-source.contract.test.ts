import { createSalesforceContractHarness } from "./support/salesforce-contract-harness";
import { sourceContract } from "./support/source-contract";

sourceContract("salesforce", createSalesforceContractHarness);
