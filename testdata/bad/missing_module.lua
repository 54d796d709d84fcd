-- want: missing_module.lua:2: require: module "lib.nope" not found
local mixes = require("lib.nope")
