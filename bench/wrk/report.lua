-- Shared by the wrk scripts (each loads it first): the threads' numbers, the request headers, the key files, and one
-- machine-readable line the bench scripts parse (latencies in microseconds).

-- Each thread gets its number, 0 up, as the global `index` in its own interpreter.
local created = 0
function setup(thread)
  thread:set("index", created)
  created = created + 1
end

-- JSON requests authenticated with API_KEY, as the SDK sends them.
function json_headers(api_key)
  return { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. api_key }
end

-- The keys of a file, one a line; an empty file is an error.
function read_keys(path)
  local keys = {}
  for line in io.lines(path) do
    if #line > 0 then keys[#keys + 1] = line end
  end
  if #keys == 0 then error("no keys in " .. tostring(path)) end
  return keys
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "wrk-result requests=%d duration_us=%d p50_us=%d p99_us=%d mean_us=%d max_us=%d " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d errors_status=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    math.floor(latency.mean + 0.5), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end
