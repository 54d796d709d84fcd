package luabind

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The LuaLS definitions in scenarios/types/reslua.lua list the same keys as
// the verbs accept: each verb's unknown-key error names its known keys.
func TestMetaFileMatchesTheDSL(t *testing.T) {
	meta, err := os.ReadFile("../scenarios/types/reslua.lua")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ class, call string }{
		{"reslua.LoadSpec", `load { zzz = 1 }`},
		{"reslua.TargetSpec", `target { zzz = 1 }`},
		{"reslua.DemoSpec", `demo.mcp { zzz = 1 }`},
		{"reslua.RouterSpec", `router { zzz = 1 }`},
		{"reslua.RolloutSpec", `deploy.blue_green { zzz = 1 }`},
		{"reslua.Analysis", `deploy.canary { to = "b", analysis = { zzz = 1 } }`},
		{"reslua.HealthCheck", `deploy.blue_green { to = "b", health = { zzz = 1 } }`},
		{"reslua.RolloutActions", `deploy.canary { to = "b", actions = { zzz = 1 } }`},
		{"reslua.Check", `sla { { "p95", "< 1s", zzz = 1 } }`},
		{"reslua.FaultSpec", `local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
chaos.inject(t, { zzz = 1 })`},
		{"reslua.FaultProxySpec", `chaos.proxy { zzz = 1 }`},
		{"reslua.ExperimentSpec", `chaos.experiment { zzz = 1 }`},
	} {
		_, msgs := check(t, tc.call, Options{})
		var known []string
		for _, m := range msgs {
			if _, list, ok := strings.Cut(m, "known keys: "); ok {
				known = strings.Split(list, ", ")
			}
		}
		if known == nil {
			t.Fatalf("%s: no list of known keys in %q", tc.call, msgs)
		}
		documented := metaFields(string(meta), tc.class)
		slices.Sort(documented)
		if !slices.Equal(known, documented) {
			t.Errorf("%s documents %v; the verb knows %v", tc.class, documented, known)
		}
	}
}

// metaFields returns the named ---@field lines of a ---@class block.
func metaFields(meta, class string) []string {
	var out []string
	in := false
	field := regexp.MustCompile(`^---@field ([a-z0-9_]+)\??\s`)
	for _, line := range strings.Split(meta, "\n") {
		switch {
		case strings.HasPrefix(line, "---@class "):
			in = strings.TrimPrefix(line, "---@class ") == class
		case in && strings.HasPrefix(line, "---@field "):
			if m := field.FindStringSubmatch(line); m != nil {
				out = append(out, m[1])
			}
		case !strings.HasPrefix(line, "---"):
			in = false
		}
	}
	return out
}
