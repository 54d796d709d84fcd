-- want: require: "/etc/passwd" is not a module name
local p = require("/etc/passwd")
