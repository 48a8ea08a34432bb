/** @jsxImportSource hono/jsx/dom */
/**
 * The dashboard at /ui: a page per hash route (#/overview, #/endpoints, #/usage, #/requests,
 * #/keys, #/playground), behind a sign-in when the gateway asks for keys. Rendered with Hono's
 * JSX DOM renderer; bundled by src/ui/build.ts.
 */
import { render, useEffect, useState } from "hono/jsx/dom";
import { adminKey, authOn, gatewayVersion, setAdminKey, SIGNED_OUT } from "./api.ts";
import { useHashRoute } from "./hooks.ts";
import { Logo } from "./logo.tsx";
import { Overview } from "./pages/overview.tsx";
import { Endpoints } from "./pages/endpoints.tsx";
import { Usage } from "./pages/usage.tsx";
import { Requests } from "./pages/requests.tsx";
import { Keys } from "./pages/keys.tsx";
import { Playground } from "./pages/playground.tsx";
import { SignIn } from "./pages/signin.tsx";
import { document } from "./dom.ts";

const PAGES = [
  { path: "overview", label: "Overview" },
  { path: "endpoints", label: "Endpoints" },
  { path: "usage", label: "Usage" },
  { path: "requests", label: "Requests" },
  { path: "keys", label: "Keys", authOnly: true },
  { path: "playground", label: "Playground" },
] as const;

type Theme = "auto" | "light" | "dark";
const THEME_ITEM = "gateway.theme";
const NEXT_THEME: Record<Theme, Theme> = { auto: "light", light: "dark", dark: "auto" };

function savedTheme(): Theme {
  try {
    const theme = localStorage.getItem(THEME_ITEM);
    return theme === "light" || theme === "dark" ? theme : "auto";
  } catch {
    return "auto";
  }
}

function applyTheme(theme: Theme): void {
  if (theme === "auto") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

function App() {
  const route = useHashRoute();
  const needsKey = authOn();
  const [signedIn, setSignedIn] = useState(!needsKey || adminKey() !== null);
  const [reason, setReason] = useState<string | null>(null);
  const [theme, setTheme] = useState<Theme>(savedTheme());
  useEffect(() => {
    const onSignedOut = (event: Event) => {
      if (!needsKey) return;
      setAdminKey(null);
      setReason(`Signed out: ${(event as CustomEvent<string>).detail}`);
      setSignedIn(false);
    };
    addEventListener(SIGNED_OUT, onSignedOut);
    return () => removeEventListener(SIGNED_OUT, onSignedOut);
  }, []);
  useEffect(() => {
    applyTheme(theme);
    try {
      localStorage.setItem(THEME_ITEM, theme);
    } catch {
      // not kept
    }
  }, [theme]);
  if (!signedIn) {
    return (
      <SignIn
        reason={reason}
        onSignedIn={() => {
          setReason(null);
          setSignedIn(true);
        }}
      />
    );
  }
  const page = PAGES.find((p) => p.path === route[0])?.path ?? "overview";
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/overview">
          <Logo />
          <span>Gateway</span>
          <span class="version">{gatewayVersion()}</span>
        </a>
        <nav aria-label="Pages">
          {PAGES.filter((p) => !("authOnly" in p) || needsKey).map((p) => (
            <a href={`#/${p.path}`} aria-current={p.path === page ? "page" : undefined}>
              {p.label}
            </a>
          ))}
        </nav>
        <div class="top-tools">
          <button
            type="button"
            class="button quiet"
            title="Colour theme: the system's, light or dark"
            onClick={() => setTheme(NEXT_THEME[theme])}
          >
            {theme === "auto" ? "Auto theme" : theme === "light" ? "Light theme" : "Dark theme"}
          </button>
          {needsKey
            ? (
              <button
                type="button"
                class="button quiet"
                onClick={() => {
                  setAdminKey(null);
                  setSignedIn(false);
                }}
              >
                Sign out
              </button>
            )
            : null}
          <a class="button quiet" href="/docs">API</a>
        </div>
      </header>
      <main>
        {page === "overview"
          ? <Overview />
          : page === "endpoints"
          ? <Endpoints />
          : page === "usage"
          ? <Usage />
          : page === "requests"
          ? <Requests id={route[1]} />
          : page === "keys"
          ? <Keys />
          : <Playground />}
      </main>
    </div>
  );
}

applyTheme(savedTheme());
render(<App />, document.getElementById("app"));
