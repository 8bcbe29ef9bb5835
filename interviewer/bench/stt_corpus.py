"""The spoken answers ``interviewer bench stt`` synthesizes: short system-design answers
dense in the rubric's glossary terms, the words a generic recognizer gets wrong."""

from __future__ import annotations

ANSWERS: tuple[str, ...] = (
    "Every job carries an idempotency key, so the worker is idempotent and a retry after a "
    "timeout never charges the customer twice.",
    "Failed calls are retried with exponential backoff and jitter, capped at five attempts, "
    "and then the message goes to a dead-letter queue for a human to inspect.",
    "The queue gives at-least-once delivery. A worker holds a lease with a visibility "
    "timeout and sends a heartbeat while it works, so a crashed worker's job comes back.",
    "To stop two leaders writing at once, every write carries a fencing token that the "
    "storage layer checks against the latest lease.",
    "We shard the keyspace with consistent hashing and virtual nodes, so adding a node moves "
    "only a small slice of keys during rebalancing.",
    "A hot partition shows up as one shard at full CPU while the others idle. We split it, "
    "or add a random suffix to the hottest keys.",
    "Leader election uses Raft. A write is acknowledged once a quorum of three out of five "
    "replicas has it in the write-ahead log.",
    "Reads from followers are eventually consistent, so after a profile update we route "
    "that user to the leader to keep read-your-writes.",
    "I would put Kafka between the API and the workers. Producers are idempotent and "
    "consumers commit offsets only after the side effect is done.",
    "Redis holds the rate limiter's counters, and Postgres is the source of truth for job "
    "state, with an outbox table so events are never lost.",
    "For a long workflow I prefer a saga with compensating steps over two-phase commit, "
    "because a coordinator outage would block every participant.",
    "We watch p99 latency, not the mean. Tail latency is what users feel when one request "
    "fans out to fifty backends.",
    "Under overload we apply backpressure to producers and load shedding at the edge, and a "
    "circuit breaker stops us hammering a dependency that is already down.",
    "Autoscaling keys off queue depth rather than CPU, with a floor of three workers so a "
    "cold start never breaks the SLO.",
    "Each deploy goes to a canary first. If the error budget burns faster than expected we "
    "roll back automatically within five minutes.",
    "A cache stampede happens when a popular key expires and thousands of requests miss at "
    "once. Request coalescing prevents the thundering herd.",
    "For inference serving I would use vLLM with continuous batching, so new requests join "
    "the running batch instead of waiting for it to finish.",
    "The KV cache grows with context length, so GPU memory, not compute, limits how many "
    "sequences we can decode at the same time.",
    "Prefill is compute bound and decode is memory bandwidth bound, so time to first token "
    "and tokens per second need different fixes.",
    "A seventy billion parameter model does not fit on one GPU, so we use tensor "
    "parallelism across eight GPUs connected with NVLink.",
    "In data parallel training the gradients are combined with an all-reduce after every "
    "step, and the network becomes the bottleneck before HBM does.",
    "DynamoDB gives us single-digit millisecond reads at any QPS, but a scan is expensive, "
    "so every access pattern needs its own key design.",
    "Two replicas accepting writes during a partition need a merge rule. A CRDT or a vector "
    "clock lets us detect and resolve the conflict.",
    "Replication lag is bounded by the slowest follower, so we alert when it passes two "
    "seconds and stop routing reads there.",
)
"""24 answers of two sentences, 10 to 15 seconds each when spoken."""

LONG_ANSWER_PARTS = (0, 1, 2, 4, 11, 16, 17)
"""The ~60 s answer for the streaming figures: these answers spoken back to back."""
