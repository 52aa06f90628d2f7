import { InitialSchema1795392000000 } from "./1795392000000-initial-schema";

/** Every migration, oldest first. Listed, not globbed, so the compiled build finds them all. */
export const MIGRATIONS = [InitialSchema1795392000000];
