-- POST /shorten with a JSON body; every request creates a new link and its created event.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/shorten", nil, '{"url":"https://example.com/bench/' .. n .. '"}')
end
