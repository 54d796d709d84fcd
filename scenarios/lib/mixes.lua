-- scenarios/lib/mixes.lua: request mixes to share between scenarios.
--
--   local mixes = require("lib.mixes")
--   load { target = t, rate = 100, duration = "30s", mix = mixes.mcp_basic() }
--
-- A library reaches the DSL through require("reslua"), the same verbs a
-- scenario sees as globals.
local r = require("reslua")

local M = {}

-- mcp_basic is the mix of the shipped scenario: mostly tool calls, some
-- listing, a health probe. opts.message sets echo's message.
function M.mcp_basic(opts)
  opts = opts or {}
  return {
    { 30, r.mcp.tools_list() },
    { 40, r.mcp.call("echo", { message = opts.message or "hello from reslua" }) },
    { 20, r.mcp.call("add", { a = 2, b = 3 }) },
    { 10, r.http.get("/health") },
  }
end

-- mcp_read_heavy lists tools, resources and prompts (no ping: revision
-- 2026-07-28 dropped it).
function M.mcp_read_heavy()
  return {
    { 4, r.mcp.tools_list() },
    { 3, r.mcp.request("resources/list") },
    { 2, r.mcp.request("prompts/list") },
  }
end

return M
