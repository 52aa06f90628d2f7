import { createDemoSourceHarness } from "./support/demo-source.harness";
import { sourceContract } from "./support/source-contract";

sourceContract("demo", createDemoSourceHarness);
