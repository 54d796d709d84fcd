package mcp

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

var validCases = []string{
	``, ` `, `{}`, `[]`, ` {"a":1} `, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{a:1}`, `{"a":1}x`, `{"a":1}}`,
	`"x"`, `"x`, `"\u00e9\n\"\\\/\b\f\r\t"`, `"\u00g1"`, `"\x"`, "\"a\x01\"", "\"a\x7f\"", "\"h\xffi\"",
	`0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.5e-7`, `--1`, `+1`,
	`true`, `tru`, `truex`, `false`, `null`, `nul`, `NaN`,
	`{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"hi"}],"isError":false}}`,
	`[{"id":1,"result":null},{"method":"x","params":{"a":[1,2,{"b":"c"}]}}]`,
	`{"a":[[[[[]]]]],"b":{"c":{"d":{}}}}`, `[[[[`, `]`, `}`, `{"a":1 "b":2}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat("[", 9999) + strings.Repeat("]", 9999),
}

func TestValidJSON(t *testing.T) {
	for _, c := range validCases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%.40q) = %v, json.Valid says %v", c, got, want)
		}
	}
}

// FuzzValidJSON checks validJSON against json.Valid.
func FuzzValidJSON(f *testing.F) {
	for _, c := range validCases[:len(validCases)-2] {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", b, got, want)
		}
	})
}

// parseMessagesRef is parseMessages as it was, on encoding/json: the
// reference for FuzzParseMessages.
func parseMessagesRef(b []byte, id int64) (message, bool, error) {
	type wire struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Result json.RawMessage `json:"result"`
		Error  *RPCError       `json:"error"`
	}
	conv := func(w wire) message { return message{ID: w.ID, Method: w.Method, Result: w.Result, Error: w.Error} }
	b = []byte(strings.TrimLeft(string(b), " \t\r\n"))
	if len(b) > 0 && b[0] == '[' {
		var batch []wire
		if err := json.Unmarshal(b, &batch); err != nil {
			return message{}, false, err
		}
		for _, w := range batch {
			m := conv(w)
			if ok, err := m.answers(id); err != nil || ok {
				return m, ok, err
			}
		}
		return message{}, false, nil
	}
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		return message{}, false, err
	}
	m := conv(w)
	ok, err := m.answers(id)
	return m, ok, err
}

// FuzzParseMessages checks the hand-written envelope parser against
// encoding/json on ASCII input (encoding/json also folds a few non-ASCII
// letters in keys, which replies never use).
func FuzzParseMessages(f *testing.F) {
	for _, c := range validCases[:len(validCases)-2] {
		f.Add([]byte(c))
	}
	f.Add([]byte(`{"jsonrpc":"2.0","id":7,"result":{"a":1}}`))
	f.Add([]byte(`{"ID":"7","Result":[],"error":null}`))
	f.Add([]byte(`[null,{"method":"notifications/progress"},{"id":7,"error":{"code":-1,"message":"m","data":[1]}}]`))
	f.Add([]byte(`{"id":7,"method":null,"result":1,"result":2}`))
	f.Add([]byte(`{"i\u0064":7,"result":1}`))
	f.Add([]byte(`{"id":7,"error":{"code":1.5}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, c := range b {
			if c >= 0x80 {
				return
			}
		}
		if strings.Contains(string(b), `\u`) {
			return
		}
		m, ok, err := parseMessages(b, 7, nil)
		rm, rok, rerr := parseMessagesRef(b, 7)
		if (err == nil) != (rerr == nil) {
			t.Fatalf("%q: error %v, encoding/json says %v", b, err, rerr)
		}
		if err != nil {
			return
		}
		if ok != rok || string(m.Result) != string(rm.Result) || m.Method != rm.Method ||
			(m.Error == nil) != (rm.Error == nil) || m.Error != nil && m.Error.Code != rm.Error.Code {
			t.Fatalf("%q: got %v %+v, encoding/json says %v %+v", b, ok, m, rok, rm)
		}
	})
}

// FuzzToolCallError checks the scan of isError against encoding/json.
func FuzzToolCallError(f *testing.F) {
	for _, c := range []string{`{"content":[],"isError":true}`, `{"isError":false}`, `{"IsError":true}`, `null`, `[]`, `1`,
		`{"isError":"yes"}`, `{"isError":true,"isError":null}`, `{"a":{"isError":true}}`, `{"isError":1,"isError":true}`} {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) || strings.Contains(string(b), `\u`) {
			return
		}
		for _, c := range b {
			if c >= 0x80 {
				return
			}
		}
		var r struct {
			IsError bool `json:"isError"`
		}
		var want error
		if err := json.Unmarshal(b, &r); err != nil {
			want = ErrProtocol
		} else if r.IsError {
			want = ErrToolError
		}
		if got := toolCallError(b); !errors.Is(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("toolCallError(%q) = %v, want %v", b, got, want)
		}
	})
}
