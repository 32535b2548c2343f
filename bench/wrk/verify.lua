-- POST /licenses/verify with keys from the seeded set, each request with its own nonce (as the SDK sends).
--   wrk -s verify.lua https://…/api/v1/licenses/verify -- KEYS_FILE API_KEY [random|walk] [THREADS]
-- random: a key drawn at random from the whole set for every request (a fixed sequence per thread).
-- walk:   every request the next key, threads starting at even offsets: each request validates a license
--         not validated before in the run, so the last-validated writer has one row to update per request.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local keys, headers, walk, position = {}, nil, false, 0
local counter = 0

function init(args)
  keys = read_keys(args[1])
  headers = json_headers(args[2])
  walk = args[3] == "walk"
  local threads = tonumber(args[4] or "1")
  position = math.floor(index * #keys / threads)
  math.randomseed(4242 + index)
end

function request()
  counter = counter + 1
  local key
  if walk then
    key = keys[(position + counter) % #keys + 1]
  else
    key = keys[math.random(#keys)]
  end
  local body = '{"key":"' .. key .. '","nonce":"' .. string.format("n%03x%012x", index, counter) .. '"}'
  return wrk.format("POST", nil, headers, body)
end
