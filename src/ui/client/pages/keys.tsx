/** @jsxImportSource hono/jsx/dom */
/** Client keys: the list with budgets used, a new key (its secret shown once), revoking. */
import { useState } from "hono/jsx/dom";
import { api, authOn, type KeyInfo } from "../api.ts";
import { usePoll } from "../hooks.ts";
import { Meter } from "../charts.tsx";
import { Badge, ErrorNote, PageHead, TableBox } from "../parts.tsx";
import { formatDateTime, formatUsd } from "../format.ts";
import { copyText, formOf } from "../dom.ts";

interface Created {
  name: string;
  key: string;
}

export function Keys() {
  const keys = usePoll(
    (signal) => api<{ keys: KeyInfo[] }>("/api/2.0/gateway/keys", { signal }),
    [],
    null,
  );
  const [created, setCreated] = useState<Created | null>(null);
  if (!authOn()) {
    return (
      <section class="page">
        <PageHead title="Keys" />
        <p class="note">
          Authentication is off (no <code>server.auth</code>{" "}
          in the config): every client is admitted, and keys are made offline with{" "}
          <code>gateway keys create --config-path</code> until it is on.
        </p>
      </section>
    );
  }
  return (
    <section class="page">
      <PageHead title="Keys" />
      {created === null
        ? null
        : (
          <div class="note secret" role="status" data-secret-for={created.name}>
            <p>
              The key <strong>{created.name}</strong>{" "}
              was created. Copy its secret now: it is not shown again.
            </p>
            <div class="secret-row">
              <code data-secret>{created.key}</code>
              <button
                type="button"
                class="button"
                onClick={() => copyText(created.key)}
              >
                Copy
              </button>
              <button type="button" class="button quiet" onClick={() => setCreated(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      <NewKeyForm
        onCreated={(c) => {
          setCreated(c);
          keys.reload();
        }}
      />
      <ErrorNote error={keys.error} />
      {keys.data === undefined ? null : <KeyTable keys={keys.data.keys} onChange={keys.reload} />}
    </section>
  );
}

function NewKeyForm(props: { onCreated: (created: Created) => void }) {
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const { data, form } = formOf(event);
    const endpoints = String(data.get("endpoints") ?? "").split(/[\s,]+/).filter(Boolean);
    const budget = String(data.get("budget") ?? "").trim();
    setBusy(true);
    setError(undefined);
    try {
      const made = await api<KeyInfo & { key: string }>("/api/2.0/gateway/keys", {
        method: "POST",
        body: {
          name: String(data.get("name") ?? "").trim(),
          endpoints: endpoints.length === 0 ? null : endpoints,
          budget: budget === "" ? null : budget,
        },
      });
      form.reset();
      props.onCreated({ name: made.name, key: made.key });
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-label="New key">
      <div class="card-head">
        <strong>New key</strong>
      </div>
      <div class="controls">
        <label>
          Name
          <input name="name" required placeholder="team-a" autocomplete="off" />
        </label>
        <label>
          Endpoints
          <input name="endpoints" placeholder="all (or: chat, embeddings)" autocomplete="off" />
        </label>
        <label>
          Budget in USD
          <input name="budget" placeholder="none (or: 50/month)" autocomplete="off" />
        </label>
        <button type="submit" class="button primary" disabled={busy}>Create key</button>
      </div>
      <ErrorNote error={error} />
    </form>
  );
}

function KeyTable(props: { keys: KeyInfo[]; onChange: () => void }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<Error | undefined>(undefined);
  const revoke = async (name: string) => {
    setError(undefined);
    try {
      await api(`/api/2.0/gateway/keys/${encodeURIComponent(name)}`, { method: "DELETE" });
      setConfirming(null);
      props.onChange();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <div class="contents">
      <ErrorNote error={error} />
      <TableBox label="Keys">
        <table class="grid stack" data-table="keys">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Endpoints</th>
              <th>Budget used</th>
              <th>Created</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.keys.map((k) => (
              <tr data-key={k.name} data-state={k.revoked_at === null ? "active" : "revoked"}>
                <td data-label="Name">
                  <strong>{k.name}</strong>
                </td>
                <td data-label="Kind">
                  {k.admin ? <Badge tone="warn">admin</Badge> : null}{" "}
                  <span class="muted">{k.source === "config" ? "in config" : "made here"}</span>
                </td>
                <td data-label="Endpoints">
                  {k.endpoints === null ? <span class="muted">all</span> : k.endpoints.join(", ")}
                </td>
                <td data-label="Budget used">
                  {k.budget === null ? <span class="muted">no budget</span> : (
                    <Meter
                      used={k.spent_usd ?? 0}
                      of={k.budget.usd}
                      label={`${formatUsd(k.spent_usd ?? 0)} / ${
                        formatUsd(k.budget.usd)
                      } per ${k.budget.period}`}
                    />
                  )}
                </td>
                <td data-label="Created">
                  {k.created_at === null ? "–" : formatDateTime(new Date(k.created_at))}
                </td>
                <td data-label="State">
                  {k.revoked_at === null
                    ? <Badge tone="good">active</Badge>
                    : <Badge tone="neutral">revoked</Badge>}
                </td>
                <td class="actions">
                  {k.source !== "store" || k.revoked_at !== null
                    ? null
                    : confirming === k.name
                    ? (
                      <span class="contents">
                        <button
                          type="button"
                          class="button danger"
                          onClick={() => revoke(k.name)}
                        >
                          Revoke {k.name}
                        </button>
                        <button
                          type="button"
                          class="button quiet"
                          onClick={() =>
                            setConfirming(null)}
                        >
                          Keep
                        </button>
                      </span>
                    )
                    : (
                      <button
                        type="button"
                        class="button"
                        onClick={() => setConfirming(k.name)}
                      >
                        Revoke…
                      </button>
                    )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </div>
  );
}
