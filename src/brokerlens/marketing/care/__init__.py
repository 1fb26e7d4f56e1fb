"""Care and reminder messages: rules (YAML, like alerts) that make the outbox's messages."""
