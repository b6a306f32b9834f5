-- wrk script for scripts/serve_load.sh: POST one image to /v1/caption, print one machine-readable line.
local path = os.getenv("ATTEND_LOAD_IMAGE")
local file = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = path:match("%.png$") and "image/png" or "image/jpeg"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.3f rps=%.2f p50_ms=%.1f p99_ms=%.1f failed=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout + e.status))
end
