/** @jsxImportSource hono/jsx/dom */
/** Sign-in: with authentication on, an admin key, checked and kept in this tab's session only. */
import { useState } from "hono/jsx/dom";
import { api, ApiError, setAdminKey } from "../api.ts";
import { Logo } from "../logo.tsx";
import { formOf } from "../dom.ts";

export function SignIn(props: { reason: string | null; onSignedIn: () => void }) {
  const [error, setError] = useState<string | null>(props.reason);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const key = String(formOf(event).data.get("key") ?? "").trim();
    if (key === "") return;
    setBusy(true);
    setAdminKey(key);
    try {
      // An admin API: 401 for an unknown key, 403 for a key that is not an admin's.
      await api("/api/2.0/gateway/status");
      props.onSignedIn();
    } catch (e) {
      setAdminKey(null);
      setError(
        e instanceof ApiError && e.status === 403
          ? "That key is not an admin key: the dashboard needs one."
          : e instanceof ApiError && e.status === 401
          ? "The gateway does not know that key."
          : (e as Error).message,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <form class="card form" onSubmit={submit} aria-label="Sign in">
        <div class="brand">
          <Logo />
          <span>Gateway</span>
        </div>
        <p>This gateway needs a client key. Sign in with an admin key to see the dashboard.</p>
        <label>
          Admin key
          <input
            name="key"
            type="password"
            autocomplete="off"
            required
            autofocus
            placeholder="Bearer secret"
          />
        </label>
        {error === null ? null : <p class="note bad" role="alert">{error}</p>}
        <button type="submit" class="button primary" disabled={busy}>Sign in</button>
        <p class="muted small">
          The key stays in this browser tab (session storage) and is sent to this gateway only.
        </p>
      </form>
    </main>
  );
}
