package mcp

// validJSON reports whether b is one valid JSON value, with white space
// around it allowed: what json.Valid reports, in one pass without its
// per-byte state machine (the envelope of every reply goes through it).
// Like json.Valid it does not check UTF-8; nesting deeper than
// maxJSONDepth is refused.
func validJSON(b []byte) bool {
	v := validator{b: b}
	i, ok := v.value(skipSpace(b, 0))
	return ok && skipSpace(b, i) == len(b)
}

// maxJSONDepth bounds the nesting of arrays and objects, as
// encoding/json does.
const maxJSONDepth = 10000

type validator struct {
	b     []byte
	depth int
}

// value checks the value that starts at b[i] and returns the index past
// it.
func (v *validator) value(i int) (int, bool) {
	b := v.b
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		return v.str(i)
	case c == '{':
		return v.object(i)
	case c == '[':
		return v.array(i)
	case c == '-' || '0' <= c && c <= '9':
		return v.number(i)
	case c == 't':
		return v.literal(i, "true")
	case c == 'f':
		return v.literal(i, "false")
	case c == 'n':
		return v.literal(i, "null")
	}
	return i, false
}

func (v *validator) literal(i int, lit string) (int, bool) {
	if len(v.b)-i < len(lit) || string(v.b[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

// strByte classes the bytes of a JSON string: 0 plain, 1 the closing
// quote, 2 a backslash, 3 not allowed (control characters).
var strByte = func() (t [256]uint8) {
	for c := 0; c < 0x20; c++ {
		t[c] = 3
	}
	t['"'] = 1
	t['\\'] = 2
	return t
}()

func (v *validator) str(i int) (int, bool) {
	b := v.b
	for i++; i < len(b); i++ {
		switch strByte[b[i]] {
		case 0:
			continue
		case 1:
			return i + 1, true
		case 3:
			return i, false
		}
		// An escape.
		if i++; i >= len(b) {
			return i, false
		}
		switch b[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			if len(b)-i < 5 || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
				return i, false
			}
			i += 4
		default:
			return i, false
		}
	}
	return i, false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (v *validator) number(i int) (int, bool) {
	b := v.b
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, false
		}
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, false
		}
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	return i, true
}

func (v *validator) object(i int) (int, bool) {
	if v.depth++; v.depth > maxJSONDepth {
		return i, false
	}
	defer func() { v.depth-- }()
	b := v.b
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, false
		}
		var ok bool
		if i, ok = v.str(i); !ok {
			return i, false
		}
		if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
			return i, false
		}
		if i, ok = v.value(skipSpace(b, i+1)); !ok {
			return i, false
		}
		if i = skipSpace(b, i); i >= len(b) {
			return i, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i + 1, true
		default:
			return i, false
		}
	}
}

func (v *validator) array(i int) (int, bool) {
	if v.depth++; v.depth > maxJSONDepth {
		return i, false
	}
	defer func() { v.depth-- }()
	b := v.b
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = v.value(i); !ok {
			return i, false
		}
		if i = skipSpace(b, i); i >= len(b) {
			return i, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return i + 1, true
		default:
			return i, false
		}
	}
}
