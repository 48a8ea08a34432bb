/**
 * Real Python clients against the gateway: MLflow's deployments client (the drop-in promise),
 * the official openai Python SDK, and LangChain (its OpenAI LLM, ChatOpenAI, ChatAnthropic and
 * the langchain-community MLflow integrations). They are installed into `.venv-clients` from PyPI on first
 * use (`.ci/run` does it up front); without python3 on the machine the test is skipped.
 */
import { assertStringIncludes } from "../assert.ts";
import { fileURLToPath } from "node:url";
import { startGateway, UNDER_TEST } from "./harness.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VENV = `${ROOT}.venv-clients`;
const PYTHON = `${VENV}/bin/python`;

function hasPython3(): boolean {
  try {
    return new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed:\n${text}`);
  return text;
}

/** Creates the venv with the pinned clients unless it is already there. */
async function ensureClients(): Promise<void> {
  try {
    Deno.statSync(PYTHON);
    await run(PYTHON, [
      "-c",
      "import mlflow.deployments, openai, anthropic, langchain_openai, langchain_anthropic, langchain_community",
    ]);
    return;
  } catch {
    // (re)create it below
  }
  await run("python3", ["-m", "venv", VENV]);
  await run(PYTHON, ["-m", "pip", "install", "-q", "-r", `${ROOT}tests/clients/requirements.txt`]);
}

const CONFIG = `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-chat}
    limit: {renewal_period: minute, calls: 1000}
  - name: completions
    endpoint_type: llm/v1/completions
    model: {provider: mock}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model: {provider: mock}
routes:
  - name: split
    task_type: llm/v1/chat
    destinations: [{name: chat, traffic_percentage: 100}]
`;

Deno.test({
  name: `Python clients: MLflow deployments client, openai SDK, LangChain (${UNDER_TEST})`,
  ignore: !hasPython3(),
  fn: async () => {
    await ensureClients();
    const gateway = await startGateway({ config: CONFIG });
    try {
      // MLflow's client retries 429/5xx for minutes by default; a failure should show at once.
      const env = { MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0" };
      const mlflow = await run(
        PYTHON,
        [`${ROOT}tests/clients/mlflow_deployments.py`, gateway.url],
        env,
      );
      assertStringIncludes(mlflow, "mlflow deployments client: OK");
      const openai = await run(PYTHON, [`${ROOT}tests/clients/openai_python.py`, gateway.url]);
      assertStringIncludes(openai, "openai python SDK: OK");
      const langchain = await run(
        PYTHON,
        [`${ROOT}tests/clients/langchain_clients.py`, gateway.url],
        env,
      );
      assertStringIncludes(langchain, "langchain clients: OK");
    } finally {
      await gateway.stop();
    }
  },
});
