-- scenarios/hooks.lua: per-request Lua hooks, a request built from data and
-- a check on each reply.
--
-- A mix entry's request may be a function(n) that builds it for request n
-- of the load (n counts from 0), and any entry may carry
-- check = function(reply) ... end. Both run in the load's workers, each
-- worker with a Lua state of its own: what a hook captures (the locals it
-- uses, like `messages` and `sent` below) is copied into every worker when
-- the load starts. So each worker counts its own `sent`, a change the
-- scenario makes to `messages` after load { ... } is not seen by hooks,
-- and hooks never see the scenario's globals: keep their data in locals.
--
--   reslua scenarios/hooks.lua [-e TARGET_URL=...] [-e RATE=100] [-e DURATION=10s]

local rate     = tonumber(env.RATE or "100")
local duration = env.DURATION or "10s"

local t = target { name = "demo", url = env.TARGET_URL or demo.mcp { name = "demo" }, timeout = "5s" }

-- Data the builder picks from by request number.
local messages = { "hello", "bonjour", "hola", "ciao", "hallo" }
local sent = 0 -- per worker: every worker starts from its own copy, 0

-- A helper the builder calls; it captures `messages` in turn.
local function message(n)
  return messages[n % #messages + 1] .. " #" .. n
end

local traffic = load {
  name = "hooks", target = t, rate = rate, duration = duration, sessions = 4,
  mix = {
    -- Built per request; the name labels it in summaries (required).
    { 50, function(n)
        sent = sent + 1
        return mcp.call("echo", { message = message(n) .. " (this worker's " .. sent .. ")" })
      end,
      name = "echo dynamic",
      -- reply.result is the JSON-RPC result, decoded into tables.
      check = function(reply)
        local text = reply.result.content[1].text
        return text:find("^%a+ #%d+ ") ~= nil, "unexpected echo: " .. text
      end },

    -- A fixed request with a check: false (with a message) fails it as
    -- check_failed; an error in the check fails it too, at its line.
    { 30, mcp.call("add", { a = 2, b = 3 }),
      check = function(reply)
        local sum = reply.result.structuredContent.sum
        return sum == 5, "2 + 3 gave " .. tostring(sum)
      end },

    -- Plain HTTP: reply.status and reply.body (reply.result is nil).
    { 20, http.get("/health"), name = "health",
      check = function(reply) return reply.status == 200 end },
  },
}

traffic:wait()

sla {
  { "error_rate", "== 0" },                        -- check failures count as errors
  { "p95", "< 250ms" },
  { "count", "> 0", request = "echo dynamic" },
}
