/**
 * The dashboard at `/ui` (unless `server.ui: false`): its page and its two assets, all in the
 * binary (src/ui/assets.ts). The page and assets are public — they hold no data; what they show
 * comes from the admin APIs, with the admin key the page asks for when authentication is on.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../context.ts";
import type { RouteDef } from "../mount.ts";
import { NotFoundError } from "../../core/errors.ts";
import { EncodedAsset, pickEncoding, UI_CSP, uiPage } from "../../ui/page.ts";

/** Where the assets are served; their names carry their content's hash. */
const ASSET_PATH = "/ui/assets/";

const TYPES = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
} as const;

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

interface Assets {
  /** Where the page finds them. */
  script: string;
  style: string;
  byName: Map<string, { encoded: EncodedAsset; type: string }>;
}

/**
 * The assets, loaded on the first request for the page or one of them (~75 KB of text, and its
 * bytes, that a gateway nobody opens in a browser need not hold), then compressed once per
 * encoding asked for.
 */
async function loadAssets(): Promise<Assets> {
  const { UI_ASSETS } = await import("../../ui/assets.ts");
  return {
    script: ASSET_PATH + UI_ASSETS.script.name,
    style: ASSET_PATH + UI_ASSETS.style.name,
    byName: new Map(
      [UI_ASSETS.script, UI_ASSETS.style].map((asset) => [
        asset.name,
        {
          encoded: new EncodedAsset(asset.text),
          type: asset.name.endsWith(".css") ? TYPES.css : TYPES.js,
        },
      ]),
    ),
  };
}

export function uiRoutes({ gateway, version }: AppDeps): RouteDef[] {
  let loading: Promise<Assets> | undefined;
  const assets = () => loading ??= loadAssets();
  const ensureOn = (c: Context<AppEnv>) => {
    if (!gateway.snapshot.config.server.ui) {
      throw new NotFoundError(`no route for GET ${c.req.path} (server.ui is false)`, {
        code: "route_not_found",
      });
    }
  };
  return [
    {
      route: createRoute({
        method: "get",
        path: "/ui",
        tags: ["Operations"],
        summary: "The dashboard and playground (a page for browsers)",
        responses: {
          200: { description: "The page", content: { "text/html": { schema: z.string() } } },
        },
      }),
      handler: async (c) => {
        ensureOn(c);
        const { script, style } = await assets();
        const page = uiPage({
          version,
          auth: gateway.snapshot.config.auth !== undefined,
          script,
          style,
        });
        return c.body(page, 200, {
          ...SECURITY_HEADERS,
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-cache",
          "content-security-policy": UI_CSP,
        });
      },
      hidden: true,
      public: true,
    },
    {
      route: createRoute({
        method: "get",
        path: "/ui/assets/{file}",
        tags: ["Operations"],
        summary: "The dashboard's script and style sheet",
        request: { params: z.object({ file: z.string() }) },
        responses: { 200: { description: "The asset" } },
      }),
      handler: async (c) => {
        ensureOn(c);
        const asset = (await assets()).byName.get(c.req.param("file") ?? "");
        if (asset === undefined) {
          throw new NotFoundError(`no asset ${c.req.path}`, { code: "route_not_found" });
        }
        const encoding = pickEncoding(c.req.header("accept-encoding") ?? null);
        const headers: Record<string, string> = {
          ...SECURITY_HEADERS,
          "content-type": asset.type,
          // The name changes with the content.
          "cache-control": "public, max-age=31536000, immutable",
          vary: "accept-encoding",
        };
        if (encoding !== "identity") headers["content-encoding"] = encoding;
        return c.body(asset.encoded.bytes(encoding) as Uint8Array<ArrayBuffer>, 200, headers);
      },
      hidden: true,
      public: true,
    },
  ];
}
