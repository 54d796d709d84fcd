-- want: require: "../secrets" is not a module name
local secrets = require("../secrets")
