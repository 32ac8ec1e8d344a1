-- GET /<code> over the codes listed in $CODES_FILE (one per line), picked at random.
local codes = {}
for line in io.lines(os.getenv("CODES_FILE")) do codes[#codes + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/" .. codes[math.random(#codes)])
end
