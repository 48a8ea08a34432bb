/** The gateway's version, read from package.json (the one place it is kept). */
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
