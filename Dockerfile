# The gateway as a container image: the single binary (Bun build) on a distroless base.
#
#   docker build -t gateway .
#   docker run --rm -p 5000:5000 -v "$PWD/config.yaml:/etc/gateway/config.yaml:ro" \
#     -e OPENAI_API_KEY gateway
#
# See docs/deploy.md.

# Build: Deno and Bun come from npm (package.json), so a Node image with glibc is all it needs.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY deno.json main.ts ./
COPY scripts/ scripts/
COPY src/ src/
# The image has no git: the commit `gateway --version` prints is given as a build argument
# (docker build --build-arg GATEWAY_COMMIT=$(git rev-parse --short=12 HEAD) ...).
ARG GATEWAY_COMMIT=unknown
RUN ./node_modules/.bin/deno task compile --define "GATEWAY_COMMIT=\"${GATEWAY_COMMIT}\"" \
  && ./dist/gateway --version

# Run: glibc and CA certificates, no shell, no package manager; user nonroot (uid 65532).
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/dist/gateway /usr/local/bin/gateway
USER nonroot
EXPOSE 5000
# `gateway health` GETs http://127.0.0.1:5000/health (distroless has no curl).
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/gateway", "health", "--timeout", "3"]
# The config is mounted at /etc/gateway/config.yaml (a file, or a directory at /etc/gateway); the
# gateway reloads it when it changes. Without one: `docker run ... gateway start --host 0.0.0.0`
# serves the built-in demo config.
ENTRYPOINT ["/usr/local/bin/gateway"]
CMD ["start", "--host", "0.0.0.0", "--port", "5000", "--config-path", "/etc/gateway/config.yaml"]
