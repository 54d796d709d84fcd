package luabind

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// maxJSONDepth bounds the nesting of a table sent as JSON.
const maxJSONDepth = 100

// encodeJSON encodes a Lua value as JSON, naming the path of the first
// value that cannot be encoded (e.g. "args.items[2]: functions cannot be
// sent as JSON"). A table whose keys are exactly 1..n becomes an array, a
// table with string keys an object, an empty table {}; whole numbers are
// written without a fraction.
func encodeJSON(v lua.LValue, path string) (json.RawMessage, error) {
	g, err := toGo(v, path, map[*lua.LTable]bool{}, 0)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(g)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return b, nil
}

// toGo converts v to a value encoding/json renders as intended.
func toGo(v lua.LValue, path string, seen map[*lua.LTable]bool, depth int) (any, error) {
	switch v := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(v), nil
	case lua.LString:
		return string(v), nil
	case lua.LNumber:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s: %s is not a finite number and cannot be sent as JSON", path, v)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), nil
		}
		return f, nil
	case *lua.LTable:
		return tableToGo(v, path, seen, depth)
	case *lua.LFunction:
		return nil, fmt.Errorf("%s: functions cannot be sent as JSON", path)
	case *lua.LUserData:
		return nil, fmt.Errorf("%s: %s cannot be sent as JSON", path, describe(v))
	}
	return nil, fmt.Errorf("%s: a %s cannot be sent as JSON", path, v.Type())
}

func tableToGo(t *lua.LTable, path string, seen map[*lua.LTable]bool, depth int) (any, error) {
	if seen[t] {
		return nil, fmt.Errorf("%s: a table that contains itself cannot be sent as JSON", path)
	}
	if depth >= maxJSONDepth {
		return nil, fmt.Errorf("%s: nested more than %d deep", path, maxJSONDepth)
	}
	seen[t] = true
	defer delete(seen, t)

	ps := sortedPairs(t)
	if len(ps) == 0 {
		return map[string]any{}, nil
	}
	var nums, strs int
	for _, p := range ps {
		switch k := p.k.(type) {
		case lua.LString:
			strs++
		case lua.LNumber:
			nums++
		default:
			return nil, fmt.Errorf("%s: a key %s cannot be sent as JSON; use names or list positions", path, describe(k))
		}
	}
	if nums > 0 && strs > 0 {
		return nil, fmt.Errorf("%s: a table with both list items and named keys cannot be sent as JSON", path)
	}
	if strs > 0 {
		obj := make(map[string]any, len(ps))
		for _, p := range ps {
			k := string(p.k.(lua.LString))
			g, err := toGo(p.v, childPath(path, k), seen, depth+1)
			if err != nil {
				return nil, err
			}
			obj[k] = g
		}
		return obj, nil
	}
	// Numeric keys, sorted ascending: an array only if they are 1..n.
	arr := make([]any, len(ps))
	for i, p := range ps {
		if p.k.(lua.LNumber) != lua.LNumber(i+1) {
			return nil, fmt.Errorf("%s: a list with gaps or keys other than 1..n (here %s) cannot be sent as JSON",
				path, p.k)
		}
		g, err := toGo(p.v, path+"["+strconv.Itoa(i+1)+"]", seen, depth+1)
		if err != nil {
			return nil, err
		}
		arr[i] = g
	}
	return arr, nil
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// childPath names key within path: args.message, args["x-y"].
func childPath(path, key string) string {
	if identifier.MatchString(key) {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

// jsonEncoder encodes Lua values as JSON straight into a byte slice, with
// the output of encodeJSON (same key order, number forms and escaping) but
// without building Go maps first: request builders run once per request
// in hooks, so this is on the hot path. It keeps a scratch list of keys
// between calls; one encoder belongs to one Lua state. Whatever it cannot
// encode plainly (errors, cycles, lists kept in the hash part) it hands to
// encodeJSON, for the same result or the same message.
type jsonEncoder struct {
	keys []string // scratch: object keys being sorted, a stack across nesting levels
}

// appendJSON appends v encoded as JSON to dst, or returns the error that
// encodeJSON gives for v, naming path.
func (e *jsonEncoder) appendJSON(dst []byte, v lua.LValue, path string) ([]byte, error) {
	out, ok := e.append(dst, v, 0)
	if ok {
		return out, nil
	}
	raw, err := encodeJSON(v, path)
	if err != nil {
		return dst, err
	}
	return append(dst, raw...), nil
}

// append appends v; false means "not plainly encodable, ask encodeJSON".
func (e *jsonEncoder) append(dst []byte, v lua.LValue, depth int) ([]byte, bool) {
	switch v := v.(type) {
	case lua.LString:
		return appendJSONString(dst, string(v)), true
	case lua.LNumber:
		return appendJSONNumber(dst, float64(v))
	case lua.LBool:
		return strconv.AppendBool(dst, bool(v)), true
	case *lua.LNilType:
		return append(dst, "null"...), true
	case *lua.LTable:
		if depth >= maxJSONDepth {
			return dst, false
		}
		return e.appendTable(dst, v, depth)
	}
	return dst, false
}

func (e *jsonEncoder) appendTable(dst []byte, t *lua.LTable, depth int) ([]byte, bool) {
	if n := t.Len(); n > 0 {
		// A list, if positions 1..n hold values and nothing else does.
		for i := 1; i <= n; i++ {
			if t.RawGetInt(i) == lua.LNil {
				return dst, false
			}
		}
		if k, _ := t.Next(lua.LNumber(n)); k != lua.LNil {
			return dst, false
		}
		dst = append(dst, '[')
		for i := 1; i <= n; i++ {
			if i > 1 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = e.append(dst, t.RawGetInt(i), depth+1); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	}
	// An object (or {}): names as keys, in sorted order. Next hands out
	// the keys the table stores, so walking them allocates nothing.
	start := len(e.keys)
	defer func() { e.keys = e.keys[:start] }()
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		s, ok := k.(lua.LString)
		if !ok {
			return dst, false
		}
		e.keys = append(e.keys, string(s))
	}
	keys := e.keys[start:]
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		var ok bool
		if dst, ok = e.append(dst, t.RawGetString(k), depth+1); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// appendJSONNumber writes f as toGo and encoding/json do: whole numbers
// below 2^53 as integers, others in ES6 form; false for NaN and infinities.
func appendJSONNumber(dst []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, false
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.AppendInt(dst, int64(f), 10), true
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' { // e-09 -> e-9, as encoding/json does
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, true
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string exactly as encoding/json
// does: <, > and & escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and
// U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// jsonModule returns the json table of a state: json.encode(value) gives a
// JSON string (as request arguments are encoded), json.decode(text) a Lua
// value (objects and arrays become tables, null becomes nil). Both raise
// an error on bad input.
func jsonModule(L *lua.LState, enc *jsonEncoder) *lua.LTable {
	t := L.CreateTable(0, 2)
	t.RawSetString("encode", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.RaiseError("json.encode: expected one value, got %d arguments", L.GetTop())
		}
		out, err := enc.appendJSON(nil, L.Get(1), "value")
		if err != nil {
			L.RaiseError("json.encode: %s", err.Error())
		}
		L.Push(lua.LString(out))
		return 1
	}))
	t.RawSetString("decode", L.NewFunction(func(L *lua.LState) int {
		s, ok := L.Get(1).(lua.LString)
		if !ok || L.GetTop() != 1 {
			L.RaiseError("json.decode: expected one string, got %s", describe(L.Get(1)))
		}
		v, err := decodeJSON(L, []byte(s))
		if err != nil {
			L.RaiseError("json.decode: %s", err.Error())
		}
		L.Push(v)
		return 1
	}))
	return t
}

// decodeJSON turns JSON text into a Lua value of state L.
func decodeJSON(L *lua.LState, data []byte) (lua.LValue, error) {
	var g any
	if err := json.Unmarshal(data, &g); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return lua.LNil, fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, err)
		}
		return lua.LNil, fmt.Errorf("invalid JSON: %v", err)
	}
	return fromGo(L, g), nil
}

// fromGo converts what json.Unmarshal makes of JSON into Lua values.
func fromGo(L *lua.LState, g any) lua.LValue {
	switch g := g.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(g)
	case float64:
		return lua.LNumber(g)
	case string:
		return lua.LString(g)
	case []any:
		t := L.CreateTable(len(g), 0)
		for i, v := range g {
			t.RawSetInt(i+1, fromGo(L, v))
		}
		return t
	case map[string]any:
		t := L.CreateTable(0, len(g))
		for k, v := range g {
			t.RawSetString(k, fromGo(L, v))
		}
		return t
	}
	return lua.LNil
}
