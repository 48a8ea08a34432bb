/** The built-in demo config, served by `gateway start` when no config is given. */

export const DEMO_CONFIG_NAME = "<built-in demo config>";

/** A config with the `mock` provider only: it answers at once and needs no keys or network. */
export const DEMO_CONFIG_YAML = `# Built-in demo: every endpoint uses the offline 'mock' provider.
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: mock
      name: mock-chat
      config:
        delay_ms: 20
  - name: completions
    endpoint_type: llm/v1/completions
    model:
      provider: mock
      name: mock-completions
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model:
      provider: mock
      name: mock-embeddings
      config:
        embedding_dimensions: 8
  - name: chat-fixed
    endpoint_type: llm/v1/chat
    model:
      provider: mock
      name: mock-fixed
      config:
        reply: "Hello from the gateway's demo config."
routes:
  - name: chat-split
    task_type: llm/v1/chat
    destinations:
      - name: chat
        traffic_percentage: 80
      - name: chat-fixed
        traffic_percentage: 20
    routing_strategy: TRAFFIC_SPLIT
`;
