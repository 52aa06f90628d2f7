import { createImisContractHarness } from "./support/imis-contract-harness";
import { sourceContract } from "./support/source-contract";

sourceContract("imis", createImisContractHarness);
