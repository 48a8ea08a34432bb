/** @jsxImportSource hono/jsx/dom */
/** Endpoints and routes: what each is, its limit and budget used, circuit, health, errors. */
import { api, type GatewayStatus } from "../api.ts";
import { usePoll } from "../hooks.ts";
import { Meter } from "../charts.tsx";
import { Badge, ErrorNote, Freshness, PageHead, TableBox, type Tone } from "../parts.tsx";
import { formatAgo, formatClock, formatCount, formatPercent, formatUsd } from "../format.ts";

type EndpointStatus = GatewayStatus["endpoints"][number];
type RouteStatus = GatewayStatus["routes"][number];

const HEALTH_TONE: Record<EndpointStatus["health"], Tone> = {
  ok: "good",
  failing: "bad",
  down: "bad",
  recovering: "warn",
  idle: "neutral",
};

const CIRCUIT_TONE: Record<EndpointStatus["circuit"]["state"], Tone> = {
  closed: "good",
  open: "bad",
  half_open: "warn",
};

export function Endpoints() {
  const status = usePoll((signal) => api<GatewayStatus>("/api/2.0/gateway/status", { signal }), []);
  const data = status.data;
  return (
    <section class="page">
      <PageHead title="Endpoints and routes">
        <Freshness at={status.at} live loading={status.loading} />
      </PageHead>
      <ErrorNote error={status.error} />
      {data === undefined ? null : (
        <div class="contents">
          <p class="muted small">
            Config {data.config.source} (version {data.config.version}, loaded{" "}
            {formatAgo(new Date(data.config.loaded_at), new Date())}). Attempts, errors and routes'
            picks are this process's since it started.
          </p>
          <EndpointTable endpoints={data.endpoints} />
          <h2>Routes</h2>
          {data.routes.length === 0
            ? <p class="muted">No routes in this config.</p>
            : data.routes.map((route) => <RouteCard key={route.name} route={route} />)}
        </div>
      )}
    </section>
  );
}

function LimitCell({ limit }: { limit: EndpointStatus["limit"] }) {
  if (limit === null) return <span class="muted">none</span>;
  const per = limit.renewal_period;
  const parts = [];
  if (limit.calls !== null) {
    parts.push(
      limit.used === null ? <span>{limit.calls} calls/{per} per client</span> : (
        <Meter
          used={limit.used.calls ?? 0}
          of={limit.calls}
          label={`${limit.used.calls ?? 0} / ${limit.calls} calls per ${per}`}
        />
      ),
    );
  }
  if (limit.tokens !== null) {
    parts.push(
      limit.used === null
        ? <span>{formatCount(limit.tokens)} tokens/{per} per client</span>
        : (
          <Meter
            used={limit.used.tokens ?? 0}
            of={limit.tokens}
            label={`${formatCount(limit.used.tokens ?? 0)} / ${
              formatCount(limit.tokens)
            } tokens per ${per}`}
          />
        ),
    );
  }
  return <div class="stack">{parts}</div>;
}

function EndpointTable({ endpoints }: { endpoints: EndpointStatus[] }) {
  if (endpoints.length === 0) return <p class="muted">No endpoints in this config.</p>;
  return (
    <TableBox label="Endpoints">
      <table class="grid stack" data-table="endpoints">
        <thead>
          <tr>
            <th>Endpoint</th>
            <th>Type</th>
            <th>Provider · model</th>
            <th>Limit</th>
            <th>Budget</th>
            <th>Circuit</th>
            <th>Health</th>
            <th class="num">Attempts</th>
            <th>Last errors</th>
          </tr>
        </thead>
        <tbody>
          {endpoints.map((ep) => (
            <tr data-endpoint={ep.name}>
              <td data-label="Endpoint">
                <strong>{ep.name}</strong>
              </td>
              <td data-label="Type">{ep.endpoint_type.replace("llm/v1/", "")}</td>
              <td data-label="Provider · model">
                {ep.provider}
                <span class="muted">{` · ${ep.model ?? "–"}`}</span>
              </td>
              <td data-label="Limit">
                <LimitCell limit={ep.limit} />
              </td>
              <td data-label="Budget">
                {ep.budget === null ? <span class="muted">none</span> : (
                  <Meter
                    used={ep.budget.spent_usd}
                    of={ep.budget.usd}
                    label={`${formatUsd(ep.budget.spent_usd)} / ${
                      formatUsd(ep.budget.usd)
                    } per ${ep.budget.period}`}
                  />
                )}
              </td>
              <td data-label="Circuit">
                <Badge tone={CIRCUIT_TONE[ep.circuit.state]}>
                  {ep.circuit.state.replace("_", " ")}
                </Badge>
                {ep.circuit.consecutive_failures > 0
                  ? <span class="muted small">{ep.circuit.consecutive_failures} in a row</span>
                  : null}
              </td>
              <td data-label="Health" data-health={ep.health}>
                <Badge tone={HEALTH_TONE[ep.health]}>{ep.health}</Badge>
              </td>
              <td data-label="Attempts" class="num" data-attempts={String(ep.attempts)}>
                {formatCount(ep.attempts)}
                {ep.failures > 0
                  ? (
                    <span class="muted small">
                      {` (${formatCount(ep.failures)} failed, ${
                        formatPercent(ep.failures / ep.attempts)
                      })`}
                    </span>
                  )
                  : null}
              </td>
              <td data-label="Last errors">
                {ep.errors.length === 0 ? <span class="muted">none</span> : (
                  <ul class="errors">
                    {ep.errors.map((e) => (
                      <li>
                        <a href={`#/requests/${encodeURIComponent(e.request_id)}`}>
                          {formatClock(new Date(e.at), true)}
                        </a>{" "}
                        <Badge tone="bad">{e.status}</Badge> {e.error_type}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableBox>
  );
}

function RouteCard({ route }: { route: RouteStatus }) {
  const served = route.destinations.reduce((n, d) => n + d.served, 0);
  const weights = route.destinations.reduce((n, d) => n + (d.weight ?? 0), 0);
  return (
    <div class="card" data-route={route.name}>
      <div class="card-head">
        <strong>{route.name}</strong>
        <Badge tone="neutral">{route.routing_strategy}</Badge>
        <span class="muted small">
          {route.task_type.replace("llm/v1/", "")} · served {formatCount(served)}
        </span>
      </div>
      <TableBox label={`Destinations of ${route.name}`}>
        <table class="grid compact">
          <thead>
            <tr>
              <th>#</th>
              <th>Destination</th>
              <th class="num">Weight</th>
              <th>Served</th>
              <th class="num">Failed over</th>
            </tr>
          </thead>
          <tbody>
            {route.destinations.map((d, i) => (
              <tr data-destination={d.name}>
                <td class="muted">{i + 1}</td>
                <td>{d.name}</td>
                <td class="num">
                  {d.weight === null
                    ? "–"
                    : weights > 0
                    ? formatPercent(d.weight / weights)
                    : String(d.weight)}
                </td>
                <td data-served={String(d.served)}>
                  <Meter
                    share
                    used={d.served}
                    of={served}
                    label={`${formatCount(d.served)}${
                      served > 0 ? ` (${formatPercent(d.served / served)})` : ""
                    }`}
                  />
                </td>
                <td class="num">{formatCount(d.failed_over)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </div>
  );
}
