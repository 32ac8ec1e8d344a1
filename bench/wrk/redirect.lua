-- GET /<code> over the codes listed in $CODES_FILE (one per line), picked at random. With
-- $FORWARDED_FOR set, each request carries it as X-Forwarded-For, as nginx in front of hop sends it.
local codes = {}
for line in io.lines(os.getenv("CODES_FILE")) do codes[#codes + 1] = line end
math.randomseed(os.time())
local forwarded = os.getenv("FORWARDED_FOR")
if forwarded and forwarded ~= "" then wrk.headers["X-Forwarded-For"] = forwarded end
request = function()
  return wrk.format("GET", "/" .. codes[math.random(#codes)])
end
