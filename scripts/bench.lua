-- After the `requests` table scripts/bench.py writes: cycle through them, print the summary as JSON.
local counter = 0

function init(args)
  for index, spec in ipairs(requests) do requests[index] = wrk.format(spec[1], spec[2], spec[3], spec[4]) end
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

function done(summary, latency, _)
  local e, p = summary.errors, function(n) return latency:percentile(n) end
  io.write(string.format('BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"non_2xx":%d,"connect_errors":%d,'
    .. '"read_errors":%d,"write_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,'
    .. '"max_us":%d}\n', summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write,
    e.timeout, p(50), p(90), p(99), latency.mean, latency.max))
end
