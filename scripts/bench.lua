-- wrk script: cycles through the requests of the file scripts/bench.py names (one per line:
-- method, path, token and JSON body, tab-separated), then prints the summary and the rate as JSON.
local requests, counter = {}, 0

function init(args)
  for line in io.lines(args[1]) do
    local method, path, token, body = line:match("^(%S+)\t(%S+)\t(%S*)\t(.*)$")
    local headers = {["Content-Type"] = "application/json", Authorization = token ~= "" and "Bearer " .. token or nil}
    requests[#requests + 1] = wrk.format(method, path, headers, body ~= "" and body or nil)
  end
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format('BENCH_RESULT {"requests":%d,"duration_us":%d,"failed":%d,"p50_us":%d,"p99_us":%d,"rate":%.6f}\n',
    summary.requests, summary.duration, e.status + e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), summary.requests / summary.duration * 1e6))
end
