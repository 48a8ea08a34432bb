/** What every request ends with, however it was served: its id header, metrics and access log. */
import type { Gateway } from "../core/gateway.ts";
import type { RequestScope } from "./context.ts";
import { pathOf } from "./direct.ts";

/** Records a served request (metrics, the access log) and gives its answer the request id. */
export function finishRequest(
  gateway: Gateway,
  request: Request,
  scope: RequestScope,
  response: Response,
): Response {
  // Answers built by the invocation handlers carry it already (and reading `headers` makes the
  // runtime build a Headers object the answer does not otherwise need).
  if (!scope.idInHeaders) response.headers.set("x-request-id", scope.requestId);
  const seconds = (performance.now() - scope.started) / 1000;
  gateway.metrics.request(scope.endpoint, response.status, seconds);
  const logger = gateway.logger;
  if (logger.enabled("info")) {
    const path = pathOf(request.url);
    const query = path.indexOf("?");
    logger.info("request", {
      request_id: scope.requestId,
      method: request.method,
      path: query < 0 ? path : path.slice(0, query),
      status: response.status,
      ms: Math.round(seconds * 10_000) / 10,
      endpoint: scope.endpoint,
    });
  }
  return response;
}
