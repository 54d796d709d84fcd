// Command reslua runs resilience scenarios written in Lua.
//
//	reslua [run] FILE [-e KEY=VALUE]... [--lib-path DIR]...
//	reslua check FILE [-e KEY=VALUE]... [--lib-path DIR]...
//	reslua version
//
// Exit codes: 0 every check passed; 99 a check failed; 2 usage or script
// error; 1 runtime failure; 130 interrupted.
//
// The command is a thin shell: flags and exit codes here, the script front
// end in package luabind, everything that runs in package engine.
package main
