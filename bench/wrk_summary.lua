-- wrk script for bench/bench_progress.py: plain GETs, summary printed as one JSON line.
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format('BENCH {"requests": %d, "seconds": %f, "errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration / 1e6,
    errors.status + errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
