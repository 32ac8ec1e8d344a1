-- POST /shorten with a JSON body; every request creates a new link and its created event.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- AUTH_MODE=keys (the default): the admin key the bench made, from the environment.
local key = os.getenv("HOP_API_KEY")
if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/shorten", nil, '{"url":"https://example.com/bench/' .. n .. '"}')
end
