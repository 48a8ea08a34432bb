/** Entry point: hands the command line to the CLI. */
import { main } from "./src/cli/main.ts";
import { args, exit } from "./src/runtime/mod.ts";

main(args()).then(exit);
