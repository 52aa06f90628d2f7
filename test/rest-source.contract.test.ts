import { createRestSourceHarness } from "./support/rest-source.harness";
import { sourceContract } from "./support/source-contract";

sourceContract("rest", createRestSourceHarness);
