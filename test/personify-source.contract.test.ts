import { createPersonifyContractHarness } from "./support/personify-contract-harness";
import { sourceContract } from "./support/source-contract";

sourceContract("personify", createPersonifyContractHarness);
