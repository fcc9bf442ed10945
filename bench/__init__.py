"""``make bench``: throughput and latency measured side by side against the floors."""
