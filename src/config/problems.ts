/** Config problems (errors and warnings with file:line:col) and their three output formats. */

export type Severity = "error" | "warning";

/** One thing wrong with a config, located in its source file. */
export interface Problem {
  severity: Severity;
  /** Field path such as `endpoints[2].model.provider`; empty for the whole file. */
  path: string;
  message: string;
  /** A suggestion, e.g. "did you mean 'endpoint_type'?". */
  hint?: string;
  /** 1-based line and column in the source, when known. */
  line?: number;
  col?: number;
}

export type ProblemFormat = "text" | "json" | "github";

/** Renders a path array as `endpoints[2].model.provider`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** One problem as a readable line: `file:line:col: error: path: message (hint)`. */
export function formatProblem(file: string, p: Problem): string {
  const where = p.line === undefined ? file : `${file}:${p.line}:${p.col ?? 1}`;
  const field = p.path === "" ? "" : `${p.path}: `;
  const hint = p.hint === undefined ? "" : ` (${p.hint})`;
  return `${where}: ${p.severity}: ${field}${p.message}${hint}`;
}

function escapeGithubData(value: string): string {
  return value.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

function escapeGithubProperty(value: string): string {
  return escapeGithubData(value).replaceAll(":", "%3A").replaceAll(",", "%2C");
}

/** One problem as a GitHub Actions workflow command (an annotation on the file). */
export function formatGithub(file: string, p: Problem): string {
  const props = [`file=${escapeGithubProperty(file)}`];
  if (p.line !== undefined) props.push(`line=${p.line}`, `col=${p.col ?? 1}`);
  if (p.path !== "") props.push(`title=${escapeGithubProperty(p.path)}`);
  const hint = p.hint === undefined ? "" : ` (${p.hint})`;
  const field = p.path === "" ? "" : `${p.path}: `;
  return `::${p.severity} ${props.join(",")}::${escapeGithubData(`${field}${p.message}${hint}`)}`;
}

/** All problems in the chosen format, errors first, then by position. */
export function renderProblems(
  file: string,
  problems: readonly Problem[],
  format: ProblemFormat,
): string {
  const sorted = sortProblems(problems);
  if (format === "json") {
    const errors = sorted.filter((p) => p.severity === "error").length;
    return JSON.stringify(
      { file, valid: errors === 0, errors, warnings: sorted.length - errors, problems: sorted },
      null,
      2,
    );
  }
  const render = format === "github" ? formatGithub : formatProblem;
  return sorted.map((p) => render(file, p)).join("\n");
}

/** Problems ordered by line then column, problems without a position last. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) =>
    (a.line ?? Infinity) - (b.line ?? Infinity) || (a.col ?? 0) - (b.col ?? 0)
  );
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === "error");
}
