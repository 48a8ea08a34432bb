/** Entry point: hands the command line to the CLI. */
// First, before the program loads: may restart `gateway start` with the runtime's GC sizing.
import "./src/runtime/server_heap.ts";
import { main } from "./src/cli/main.ts";
import { args, exit } from "./src/runtime/mod.ts";

main(args()).then(exit);
