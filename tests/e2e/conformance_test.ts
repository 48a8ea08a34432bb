/**
 * One conformance suite for every provider: the same checks, run through one gateway process
 * against each provider's mock (the table is `conformance_cases.ts`). Chat, streams, a tool
 * round trip (plain and streamed), completions, embeddings, MLflow's invocation paths, and the
 * upstream failures every provider has (400, 401, rejected credentials, 429, 500, a malformed
 * answer, a cut stream); each answer's request record (the access log's `request` line) is
 * checked too. A capability a provider lacks is a step that says so and checks the refusal.
 * What only one provider does stays in its own `provider_<name>_test.ts`.
 */
import { CASES } from "./conformance_cases.ts";
import { plan } from "./conformance_checks.ts";
import { CaseRun, RecordLog } from "./conformance_run.ts";
import { type RunningGateway, startGateway, UNDER_TEST } from "./harness.ts";

/** Steps run side by side (one per provider), so they cannot use the sanitizers. */
const CONCURRENT = { sanitizeOps: false, sanitizeResources: false, sanitizeExit: false };

Deno.test(`provider conformance: every provider, the same checks (${UNDER_TEST})`, async (t) => {
  const started = CASES.map((spec) => ({ spec, ...spec.start() }));
  let gateway: RunningGateway | undefined;
  try {
    gateway = await startGateway({
      args: ["--log-format", "json"],
      env: Object.assign({ GATEWAY_LOG_LEVEL: "info" }, ...CASES.map((c) => c.env)),
      config: `endpoints:${started.map((s) => s.yaml).join("")}\n`,
    });
    const log = new RecordLog(gateway);
    const running = gateway;
    await Promise.all(started.map(({ spec, mock }) =>
      t.step({
        name: spec.name,
        ...CONCURRENT,
        fn: async (t) => {
          const run = new CaseRun(spec, mock, running, log);
          for (const [name, check, knownBug] of plan(spec)) {
            await t.step({
              name: `${spec.name}: ${name}`,
              ...CONCURRENT,
              ignore: check === null || knownBug === true,
              fn: () => check?.(run),
            });
          }
        },
      })
    ));
  } finally {
    await gateway?.stop();
    await Promise.all(started.map(({ mock }) => mock.close()));
  }
});
