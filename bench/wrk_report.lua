-- Prints wrk's summary as one parseable line for bench/public_page.py (times in microseconds).
-- Arguments (after `--`): "encoding=<Accept-Encoding>" (sent with every request), then
-- Accept-Language values; each connection's requests take them in turn, so every language in
-- use is read, from its own snapshot, throughout the run.
local languages = {}
local encoding = nil
local turn = 0

init = function(args)
  for _, value in ipairs(args) do
    if value:sub(1, 9) == "encoding=" then
      if #value > 9 then encoding = value:sub(10) end
    else
      languages[#languages + 1] = value
    end
  end
end

request = function()
  local headers = {}
  if encoding then headers["Accept-Encoding"] = encoding end
  if #languages > 0 then
    turn = turn + 1
    headers["Accept-Language"] = languages[turn % #languages + 1]
  end
  return wrk.format(nil, nil, headers)
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
