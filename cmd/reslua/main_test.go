package main

import (
	"errors"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"reslua": main})
}

// TestScripts runs the CLI scripts under testdata/script against the real
// binary (this test binary, re-executed as reslua).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":   cmdExits,
			"jsonhas": cmdJSONHas,
			"xmlwf":   cmdXMLWellFormed,
		},
		Setup: func(env *testscript.Env) error {
			// The scripts' own environment must not leak into scenarios.
			env.Setenv("TARGET_URL", "")
			env.Setenv("RESLUA_PATH", "")
			return nil
		},
	})
}

// cmdExits runs a command and asserts its exit code:
//
//	exits 99 reslua run fail.lua
//
// Its stdout and stderr are then available to the stdout/stderr commands.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}
