-- wrk_report.lua's summary line, with each connection pausing between requests: visitors
-- arriving at a steady rate instead of a closed loop that takes every spare cycle, so the
-- fan-out it runs beside keeps its share of the CPU (bench/scale.py). Argument: pause in ms.
local pause = 0

init = function(args)
  pause = tonumber(args[1] or "0")
end

delay = function()
  return pause
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%.0f duration_us=%.0f bytes=%.0f p50_us=%.0f p90_us=%.0f p99_us=%.0f"
      .. " max_us=%.0f connect=%.0f read=%.0f write=%.0f status=%.0f timeout=%.0f\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
