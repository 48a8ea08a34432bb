/** @jsxImportSource hono/jsx/dom */
/** The latest requests with filters; one request's record (and bodies, when kept). */
import { useState } from "hono/jsx/dom";
import { api, type GatewayStatus, query, type RecentRequest } from "../api.ts";
import { usePoll } from "../hooks.ts";
import { Badge, ErrorNote, Freshness, PageHead, StatusBadge, TableBox } from "../parts.tsx";
import { formatClock, formatCount, formatDateTime, formatMs, formatUsd } from "../format.ts";
import { checkedOf, type KeyPress, valueOf } from "../dom.ts";

const STATUSES = [
  { value: "", label: "Any status" },
  { value: "ok", label: "OK" },
  { value: "error", label: "Failed" },
  { value: "4xx", label: "4xx" },
  { value: "5xx", label: "5xx" },
  { value: "429", label: "429 (limited)" },
];

function tokensOf(r: RecentRequest): string {
  return r.usage === null
    ? "–"
    : `${formatCount(r.usage.prompt)} → ${formatCount(r.usage.completion)}`;
}

export function Requests(props: { id: string | undefined }) {
  if (props.id !== undefined) return <RequestDetail id={props.id} />;
  return <RequestList />;
}

function RequestList() {
  const [status, setStatus] = useState("");
  const [endpoint, setEndpoint] = useState("");
  const [key, setKey] = useState("");
  const [live, setLive] = useState(true);
  const list = usePoll(
    (signal) =>
      api<{ requests: RecentRequest[]; kept: number }>(
        `/api/2.0/gateway/requests${query({ limit: 200, status, endpoint, key })}`,
        { signal },
      ),
    [status, endpoint, key],
    live ? undefined : null,
  );
  const names = usePoll(
    (signal) => api<GatewayStatus>("/api/2.0/gateway/status", { signal }),
    [],
    null,
  );
  const targets = [
    ...(names.data?.endpoints.map((e) => e.name) ?? []),
    ...(names.data?.routes.map((r) => r.name) ?? []),
  ];
  const keys = [...new Set(list.data?.requests.map((r) => r.key) ?? [])].sort();
  const pick = (set: (v: string) => void) => (e: Event) => set(valueOf(e));
  return (
    <section class="page">
      <PageHead title="Requests">
        <Freshness at={list.at} live={live} loading={list.loading} />
        <label class="toggle">
          <input
            type="checkbox"
            checked={live}
            onChange={(e: Event) => setLive(checkedOf(e))}
          />{" "}
          Live
        </label>
      </PageHead>
      <div class="controls">
        <label>
          Status
          <select name="status" onChange={pick(setStatus)}>
            {STATUSES.map((s) => (
              <option value={s.value} selected={s.value === status}>{s.label}</option>
            ))}
          </select>
        </label>
        <label>
          Endpoint
          <select name="endpoint" onChange={pick(setEndpoint)}>
            <option value="" selected={endpoint === ""}>Any endpoint or route</option>
            {targets.map((t) => <option key={t} value={t} selected={t === endpoint}>{t}</option>)}
          </select>
        </label>
        <label>
          Key
          <input
            name="key"
            list="request-keys"
            placeholder="Any key"
            value={key}
            onChange={pick(setKey)}
          />
          <datalist id="request-keys">
            {keys.map((k) => <option key={k} value={k} />)}
          </datalist>
        </label>
      </div>
      <ErrorNote error={list.error} />
      {list.data === undefined
        ? null
        : list.data.requests.length === 0
        ? <p class="muted">No requests match (yet).</p>
        : (
          <TableBox label="Requests">
            <table class="grid stack clickable" data-table="requests">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Key</th>
                  <th>Endpoint</th>
                  <th>Model</th>
                  <th>Status</th>
                  <th class="num">Duration</th>
                  <th class="num">Tokens</th>
                  <th class="num">Cost</th>
                </tr>
              </thead>
              <tbody>
                {list.data.requests.map((r) => (
                  <tr
                    key={r.id}
                    data-request={r.id}
                    tabindex={0}
                    onClick={() => location.hash = `#/requests/${encodeURIComponent(r.id)}`}
                    onKeyDown={(e: KeyPress) => {
                      if (e.key === "Enter") {
                        location.hash = `#/requests/${encodeURIComponent(r.id)}`;
                      }
                    }}
                  >
                    <td data-label="Time" title={r.at}>{formatClock(new Date(r.at), true)}</td>
                    <td data-label="Key">{r.key}</td>
                    <td data-label="Endpoint">
                      {r.target !== null && r.target !== r.endpoint
                        ? <span class="muted">{`${r.target} → `}</span>
                        : null}
                      {r.endpoint ?? r.target ?? "–"}
                      {r.stream ? <span class="muted small tag">stream</span> : null}
                    </td>
                    <td data-label="Model">{r.model ?? "–"}</td>
                    <td data-label="Status">
                      <StatusBadge status={r.status} outcome={r.outcome} />
                    </td>
                    <td data-label="Duration" class="num">{formatMs(r.total_ms)}</td>
                    <td data-label="Tokens" class="num">{tokensOf(r)}</td>
                    <td data-label="Cost" class="num">{formatUsd(r.cost_usd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
        )}
      {list.data === undefined ? null : (
        <p class="muted small">
          The latest {list.data.kept} client API requests of this gateway process are kept.
        </p>
      )}
    </section>
  );
}

type Detail = RecentRequest & { request_body?: unknown; response_body?: unknown };

function Field(props: { label: string; value: unknown }) {
  return (
    <div class="contents">
      <dt>{props.label}</dt>
      <dd>{props.value === null || props.value === undefined ? "–" : String(props.value)}</dd>
    </div>
  );
}

function RequestDetail({ id }: { id: string }) {
  const detail = usePoll(
    (signal) => api<Detail>(`/api/2.0/gateway/requests/${encodeURIComponent(id)}`, { signal }),
    [id],
    null,
  );
  const r = detail.data;
  return (
    <section class="page">
      <PageHead title="Request">
        <a class="button" href="#/requests">← All requests</a>
      </PageHead>
      <ErrorNote error={detail.error} />
      {r === undefined ? null : (
        <div data-detail={r.id}>
          <div class="card-head">
            <StatusBadge status={r.status} outcome={r.outcome} />
            <code class="id">{r.id}</code>
            <span class="muted">{formatDateTime(new Date(r.at))}</span>
          </div>
          <dl class="fields">
            <Field label="Path" value={`${r.method} ${r.path}`} />
            <Field label="Client API" value={r.ingress} />
            <Field label="Key" value={r.key} />
            <Field label="Called" value={r.target} />
            <Field label="Served by" value={r.endpoint} />
            <Field label="Provider · model" value={`${r.provider ?? "–"} · ${r.model ?? "–"}`} />
            <Field label="Stream" value={r.stream ? "yes" : "no"} />
            <Field label="Outcome" value={r.outcome} />
            <Field label="Error" value={r.error_type} />
            <Field label="Total" value={formatMs(r.total_ms)} />
            <Field label="Upstream" value={formatMs(r.upstream_ms)} />
            <Field
              label="Gateway overhead"
              value={formatMs(r.overhead_ms) +
                (r.stream ? " (with relaying the stream as it was generated)" : "")}
            />
            <Field label="First chunk" value={formatMs(r.first_chunk_ms)} />
            <Field
              label="Tokens"
              value={r.usage === null
                ? null
                : `${r.usage.prompt} prompt, ${r.usage.completion} completion` +
                  (r.usage.cached > 0 ? `, ${r.usage.cached} cached` : "")}
            />
            <Field label="Cost" value={formatUsd(r.cost_usd)} />
            <Field label="Retries · fallbacks" value={`${r.retries} · ${r.fallbacks}`} />
            <Field label="Cache" value={r.cache} />
            <Field
              label="Routing"
              value={r.routing === null
                ? null
                : `${r.routing.strategy} chose ${r.routing.chosen}${
                  r.routing.explored ? " (exploring)" : ""
                }`}
            />
          </dl>
          <h2>Attempts</h2>
          {r.attempts.length === 0
            ? <p class="muted">None (answered by the gateway).</p>
            : (
              <TableBox label="Attempts">
                <table class="grid compact" data-table="attempts">
                  <thead>
                    <tr>
                      <th>#</th>
                      <th>Endpoint</th>
                      <th>Provider · model</th>
                      <th>Outcome</th>
                      <th class="num">Time</th>
                      <th>Then</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.attempts.map((a, i) => (
                      <tr>
                        <td class="muted">{i + 1}</td>
                        <td>{a.endpoint}</td>
                        <td>{a.provider} · {a.model ?? "–"}</td>
                        <td>
                          <Badge tone={a.outcome === "ok" ? "good" : "bad"}>{a.status}</Badge>{" "}
                          {a.outcome === "ok" ? "" : a.outcome}
                        </td>
                        <td class="num">{formatMs(a.ms)}</td>
                        <td>{a.then ?? ""}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableBox>
            )}
          <h2>Bodies</h2>
          {"request_body" in r
            ? (
              <div class="bodies">
                <div>
                  <h3>Request</h3>
                  <pre>{JSON.stringify(r.request_body, null, 2)}</pre>
                </div>
                <div>
                  <h3>Answer</h3>
                  <pre>{JSON.stringify(r.response_body, null, 2)}</pre>
                </div>
              </div>
            )
            : (
              <p class="muted">
                Not kept: bodies are kept for the latest requests only while the audit log keeps
                them (<code>server.audit.bodies: true</code>).
              </p>
            )}
        </div>
      )}
    </section>
  );
}
