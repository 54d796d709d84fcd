package luabind

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30s", "250ms", "1m30s", "-5s", "3 seconds", "", "0", "1e9h", "9999999999h", "µs"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDuration(lua.LString(s))
		if err == nil {
			if want, perr := time.ParseDuration(strings.TrimSpace(s)); perr != nil || want != d {
				t.Errorf("%q: got %s, time.ParseDuration says %s, %v", s, d, want, perr)
			}
		}
	})
}

// FuzzCheck feeds arbitrary scripts to Load and Check: whatever the input,
// they return (problems, not panics) within the check bound.
func FuzzCheck(f *testing.F) {
	for _, dir := range []string{"../testdata/bad", "../testdata/good"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.lua"))
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(string(src))
			}
		}
	}
	f.Add(`load { target = target { name = "a", url = "http://h/mcp" }, rate = 1, duration = "1s", mix = { { 1, mcp.call("x", { a = { 1, { b = 2 } } }) } } }`)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src string) {
		path := filepath.Join(dir, "fuzz.lua")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Load(path, Options{CheckTimeout: 100 * time.Millisecond})
		if err != nil {
			return
		}
		s.Check(context.Background())
	})
}

// FuzzJSONString: the direct encoder escapes strings as encoding/json does.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "<&>", "\u2028\u2029", "\xff\xfe", "tab\t\"q\"\\", "\x00\x1f\x7f", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	})
}
