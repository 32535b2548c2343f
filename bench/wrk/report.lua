-- Shared by the wrk scripts: one machine-readable line the bench scripts parse (latencies in microseconds).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "wrk-result requests=%d duration_us=%d p50_us=%d p99_us=%d mean_us=%d max_us=%d " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d errors_status=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    math.floor(latency.mean + 0.5), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end
