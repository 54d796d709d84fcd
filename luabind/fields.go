package luabind

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/internal/suggest"
)

// required and optional say whether a field must be present.
const (
	required = true
	optional = false
)

// fields reads the keyed table a verb was given, strictly: each getter
// checks one key's type, every problem is recorded rather than raised, and
// done reports keys that no getter asked for. A verb reads all its fields,
// then looks at problems; so one call with several bad keys yields several
// messages.
//
// The zero value is not usable; make one with newFields.
type fields struct {
	ctx      string      // message prefix: "load" or "load: mix[2]"
	tbl      *lua.LTable // nil when the argument was not a table
	known    []string    // string keys read, for did-you-mean
	read     map[lua.LValue]bool
	problems []string // each "ctx: key: message"
	bad      []string // keys whose value was rejected or missing
}

// newFields starts reading v as the table argument of ctx. example shows
// the expected shape in the error when v is not a table, e.g.
// "{ rate = ..., ... }".
func newFields(v lua.LValue, ctx, example string) *fields {
	f := &fields{ctx: ctx, read: map[lua.LValue]bool{}}
	if t, ok := v.(*lua.LTable); ok {
		f.tbl = t
		return f
	}
	f.problems = append(f.problems, fmt.Sprintf("%s: expected a table %s, got %s", ctx, example, describe(v)))
	return f
}

// ok reports whether nothing has gone wrong so far.
func (f *fields) ok() bool { return len(f.problems) == 0 }

// fail records a problem with key.
func (f *fields) fail(key, format string, args ...any) {
	f.problems = append(f.problems, f.ctx+": "+key+": "+fmt.Sprintf(format, args...))
	f.bad = append(f.bad, key)
}

// markBad records that key's value is unusable without a message, because
// the problem was reported elsewhere (an invalid target passed to a load).
func (f *fields) markBad(key string) { f.bad = append(f.bad, key) }

// get returns the value of a string key and marks it read; it records
// "required" when the key is missing and must be present.
func (f *fields) get(key string, req bool) lua.LValue {
	f.known = append(f.known, key)
	if f.tbl == nil {
		return lua.LNil
	}
	f.read[lua.LString(key)] = true
	v := f.tbl.RawGetString(key)
	if v == lua.LNil && req {
		f.fail(key, "required")
	}
	return v
}

// index returns the value at a list position and marks it read.
func (f *fields) index(i int, name string, req bool) lua.LValue {
	if f.tbl == nil {
		return lua.LNil
	}
	f.read[lua.LNumber(i)] = true
	v := f.tbl.RawGetInt(i)
	if v == lua.LNil && req {
		f.fail(name, "required")
	}
	return v
}

// str reads a string field.
func (f *fields) str(key string, req bool) string {
	return f.toString(key, f.get(key, req))
}

func (f *fields) toString(key string, v lua.LValue) string {
	switch v := v.(type) {
	case *lua.LNilType:
		return ""
	case lua.LString:
		return string(v)
	}
	f.fail(key, "expected a string, got %s", describe(v))
	return ""
}

// number reads a number field: a finite one, since every number a
// scenario gives (a rate, a share, a target) means nothing as NaN or an
// infinity, and NaN passes every comparison (a NaN abort rate once aborted
// every request).
func (f *fields) number(key string, req bool) float64 {
	switch v := f.get(key, req).(type) {
	case *lua.LNilType:
		return 0
	case lua.LNumber:
		if n := float64(v); math.IsNaN(n) || math.IsInf(n, 0) {
			f.fail(key, "expected a finite number, got %s", v)
			return 0
		}
		return float64(v)
	default:
		f.fail(key, "expected a number, got %s", describe(v))
		return 0
	}
}

// integer reads a whole-number field.
func (f *fields) integer(key string, req bool) int {
	return f.toInt(key, f.get(key, req))
}

func (f *fields) toInt(key string, v lua.LValue) int {
	switch v := v.(type) {
	case *lua.LNilType:
		return 0
	case lua.LNumber:
		n := float64(v)
		if n != math.Trunc(n) {
			f.fail(key, "expected a whole number, got %s", v)
			return 0
		}
		if math.Abs(n) > 1<<31 {
			f.fail(key, "too large: expected a whole number up to 2147483648, got %s", v)
			return 0
		}
		return int(n)
	default:
		f.fail(key, "expected a whole number, got %s", describe(v))
		return 0
	}
}

// boolean reads a true/false field.
func (f *fields) boolean(key string, req bool) bool {
	switch v := f.get(key, req).(type) {
	case *lua.LNilType:
		return false
	case lua.LBool:
		return bool(v)
	default:
		f.fail(key, "expected true or false, got %s", describe(v))
		return false
	}
}

// duration reads a duration field written as a string with a unit.
func (f *fields) duration(key string, req bool) time.Duration {
	v := f.get(key, req)
	if v == lua.LNil {
		return 0
	}
	d, err := parseDuration(v)
	if err != nil {
		f.fail(key, "%v", err)
	}
	return d
}

// table reads a table field; nil when absent or not a table.
func (f *fields) table(key string, req bool) *lua.LTable {
	switch v := f.get(key, req).(type) {
	case *lua.LNilType:
		return nil
	case *lua.LTable:
		return v
	default:
		f.fail(key, "expected a table, got %s", describe(v))
		return nil
	}
}

// stringMap reads a table of string keys to string values, such as
// headers = { ["X-Api-Key"] = "k" }.
func (f *fields) stringMap(key string, req bool) map[string]string {
	t := f.table(key, req)
	if t == nil {
		return nil
	}
	m := map[string]string{}
	for _, kv := range sortedPairs(t) {
		ks, ok := kv.k.(lua.LString)
		if !ok {
			f.fail(key, "expected names as keys, as in { [\"X-Name\"] = \"value\" }, got key %s", describe(kv.k))
			continue
		}
		vs, ok := kv.v.(lua.LString)
		if !ok {
			f.fail(key+"["+strconv.Quote(string(ks))+"]", "expected a string, got %s", describe(kv.v))
			continue
		}
		m[string(ks)] = string(vs)
	}
	return m
}

// done records a problem for every key of the table that no getter read:
// unknown names (with the closest known one), positional values and keys
// that are not names.
func (f *fields) done() {
	if f.tbl == nil {
		return
	}
	for _, kv := range sortedPairs(f.tbl) {
		if f.read[kv.k] {
			continue
		}
		switch k := kv.k.(type) {
		case lua.LString:
			msg := fmt.Sprintf("%s: unknown key %q", f.ctx, string(k))
			if alt := suggest.Closest(string(k), f.known); alt != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", alt)
			} else if len(f.known) > 0 {
				msg += "; known keys: " + strings.Join(sortedUnique(f.known), ", ")
			}
			f.problems = append(f.problems, msg)
		case lua.LNumber:
			f.problems = append(f.problems, fmt.Sprintf("%s: unexpected %s at position %s; settings are written with a key, as in %s = ...",
				f.ctx, describe(kv.v), k, firstOr(f.known, "name")))
		default:
			f.problems = append(f.problems, fmt.Sprintf("%s: unexpected key %s; keys are names such as %s",
				f.ctx, describe(k), firstOr(f.known, "name")))
		}
	}
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

func sortedUnique(list []string) []string {
	s := slices.Clone(list)
	slices.Sort(s)
	return slices.Compact(s)
}

// pair is one key and value of a table.
type pair struct{ k, v lua.LValue }

// sortedPairs returns t's entries in a stable order: numbers ascending,
// then strings, then other keys, so that messages come out the same way
// on every run.
func sortedPairs(t *lua.LTable) []pair {
	var ps []pair
	t.ForEach(func(k, v lua.LValue) { ps = append(ps, pair{k, v}) })
	rank := func(v lua.LValue) int {
		switch v.(type) {
		case lua.LNumber:
			return 0
		case lua.LString:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(ps, func(a, b pair) int {
		if ra, rb := rank(a.k), rank(b.k); ra != rb {
			return ra - rb
		}
		switch ak := a.k.(type) {
		case lua.LNumber:
			bk := b.k.(lua.LNumber)
			switch {
			case ak < bk:
				return -1
			case ak > bk:
				return 1
			}
			return 0
		case lua.LString:
			return strings.Compare(string(ak), string(b.k.(lua.LString)))
		}
		return strings.Compare(a.k.String(), b.k.String())
	})
	return ps
}

// describe names a Lua value for an error message: `string "fast"`,
// `number 5`, `a table`, `a request`, `nil`.
func describe(v lua.LValue) string {
	switch v := v.(type) {
	case *lua.LNilType:
		return "nil"
	case lua.LString:
		s := string(v)
		if len(s) > 60 {
			s = s[:57] + "..."
		}
		return "string " + strconv.Quote(s)
	case lua.LNumber:
		return "number " + v.String()
	case lua.LBool:
		return "boolean " + v.String()
	case *lua.LTable:
		return "a table"
	case *lua.LFunction:
		return "a function"
	case *lua.LUserData:
		if k, ok := v.Value.(interface{ kind() string }); ok {
			return "a " + k.kind()
		}
		return "a userdata"
	}
	return "a " + v.Type().String()
}

// newArgs starts reading the single table argument of the verb that L is
// running; example shows the expected shape, e.g. "{ rate = ..., ... }".
func newArgs(L *lua.LState, verb, example string) *fields {
	f := newFields(L.Get(1), verb, example)
	if n := L.GetTop(); n > 1 && f.tbl != nil {
		f.problems = append(f.problems, fmt.Sprintf("%s: expected one table argument, got %d arguments", verb, n))
	}
	return f
}

// validate returns f's problems followed by those of the engine's
// validation error err, leaving out the engine's complaints about keys f
// has already reported. When the argument was not a table at all, only
// that is reported.
func (f *fields) validate(err error) []string {
	if f.tbl == nil {
		return f.problems
	}
	return append(f.problems, engineProblems(f.ctx, err, f.bad)...)
}

// function returns the Lua function (not a Go one) at key, or nil.
func (f *fields) function(key string, req bool) *lua.LFunction {
	v := f.get(key, req)
	if v == lua.LNil {
		return nil
	}
	if fn, ok := v.(*lua.LFunction); ok && !fn.IsG {
		return fn
	}
	f.fail(key, "expected a function, as in %s = function(...) ... end, got %s", key, describe(v))
	return nil
}

// The engine and the packages under it take a zero size or duration as
// "not given" and put their default in its place. A scenario that writes
// hold = "0s" or workers = 0 means zero, not the default, so such keys are
// read with nonzeroDuration, nonzeroInt and nonzeroNumber: given as zero, they are
// refused, never silently replaced (leaving the key out gives the
// default). Zeros that mean what they say (think_time = "0s", start =
// "0s") are read with duration and integer.

// given reports whether key is present in the table.
func (f *fields) given(key string) bool {
	return f.tbl != nil && f.tbl.RawGetString(key) != lua.LNil
}

// refuseZero records that key, given as zero, would have been replaced by
// def, unless key already has a problem.
func (f *fields) refuseZero(key, what, zero, def string) {
	if slices.Contains(f.bad, key) {
		return
	}
	f.fail(key, "expected %s > 0, got %s; leave %s out for the default (%s)", what, zero, key, def)
}

// nonzeroDuration reads a duration key whose zero would be replaced by
// the default def (for the message): given as "0s", it is refused.
func (f *fields) nonzeroDuration(key string, req bool, def string) time.Duration {
	d := f.duration(key, req)
	if d == 0 && f.given(key) {
		f.refuseZero(key, "a duration", "0s", def)
	}
	return d
}

// nonzeroInt reads a whole-number key whose zero would be replaced by the
// default def (for the message): given as 0, it is refused.
func (f *fields) nonzeroInt(key string, req bool, def string) int {
	n := f.integer(key, req)
	if n == 0 && f.given(key) {
		f.refuseZero(key, "a whole number", "0", def)
	}
	return n
}

// nonzeroNumber reads an optional number key whose zero would be
// replaced by the default def (for the message): given as 0, it is
// refused.
func (f *fields) nonzeroNumber(key, def string) float64 {
	n := f.number(key, optional)
	if n == 0 && f.given(key) {
		f.refuseZero(key, "a number", "0", def)
	}
	return n
}
