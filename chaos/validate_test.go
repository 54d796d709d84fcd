package chaos

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func fields(err error) []string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, fe := range ve.Errors {
		out = append(out, fe.Field)
	}
	return out
}

func TestFaultValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		scope Scope
		f     Fault
		want  []string // fields, in order; nil: valid
	}{
		{"valid latency", PerRequest, Fault{Action: Latency{Delay: time.Second}}, nil},
		{"valid pointer action", PerRequest, Fault{Action: &Abort{Status: 500}}, nil},
		{"valid tcp", PerConnection, Fault{Action: Blackhole{}, Probability: 1, First: 2}, nil},
		{"valid probability 0 and 1", PerRequest, Fault{Action: Reset{}, Probability: 0}, nil},
		{"missing action", PerRequest, Fault{}, []string{"Action"}},
		{"nil pointer action", PerRequest, Fault{Action: (*Latency)(nil)}, []string{"Action"}},
		{"probability above 1", PerRequest, Fault{Action: Reset{}, Probability: 1.5}, []string{"Probability"}},
		{"probability negative", PerRequest, Fault{Action: Reset{}, Probability: -0.1}, []string{"Probability"}},
		{"probability NaN", PerRequest, Fault{Action: Reset{}, Probability: math.NaN()}, []string{"Probability"}},
		{"negative latency and jitter", PerRequest, Fault{Action: Latency{Delay: -time.Second, Jitter: -1}}, []string{"Latency.Delay", "Latency.Jitter"}},
		{"zero latency", PerRequest, Fault{Action: Latency{}}, []string{"Latency.Delay"}},
		{"negative bandwidth", PerConnection, Fault{Action: Bandwidth{BytesPerSecond: -5}}, []string{"Bandwidth.BytesPerSecond"}},
		{"zero bandwidth", PerRequest, Fault{Action: Bandwidth{}}, []string{"Bandwidth.BytesPerSecond"}},
		{"bad direction", PerRequest, Fault{Action: Bandwidth{BytesPerSecond: 1, Direction: 7}}, []string{"Bandwidth.Direction"}},
		{"rpc match on tcp", PerConnection, Fault{Action: Reset{}, Match: Match{RPCMethod: "tools/call", Path: "/mcp"}}, []string{"Match.Path", "Match.RPCMethod"}},
		{"abort on tcp", PerConnection, Fault{Action: Abort{}}, []string{"Action"}},
		{"jsonrpc error on tcp", PerConnection, Fault{Action: JSONRPCError{}}, []string{"Action"}},
		{"negative window", PerRequest, Fault{Action: Reset{}, Start: -time.Second, Duration: -time.Second}, []string{"Start", "Duration"}},
		{"negative first every", PerRequest, Fault{Action: Reset{}, First: -1, Every: -2}, []string{"First", "Every"}},
		{"abort status low", PerRequest, Fault{Action: Abort{Status: 99}}, []string{"Abort.Status"}},
		{"abort status high", PerRequest, Fault{Action: Abort{Status: 600}}, []string{"Abort.Status"}},
		{"abort bad header", PerRequest, Fault{Action: Abort{Header: map[string]string{"Bad Name": "x"}}}, []string{"Abort.Header"}},
		{"bad json data", PerRequest, Fault{Action: JSONRPCError{Data: json.RawMessage("{")}}, []string{"JSONRPCError.Data"}},
		{"path without slash", PerRequest, Fault{Action: Reset{}, Match: Match{Path: "mcp", PathPrefix: "api"}}, []string{"Match.Path", "Match.PathPrefix", "Match.PathPrefix"}},
		{"tool with other method", PerRequest, Fault{Action: Reset{}, Match: Match{Tool: "echo", RPCMethod: "prompts/get"}}, []string{"Match.Tool"}},
		{"bad method and header", PerRequest, Fault{Action: Reset{}, Match: Match{Method: "GE T", Header: map[string]string{"": "x"}}}, []string{"Match.Method", "Match.Header"}},
		{"cut nothing", PerRequest, Fault{Action: Cut{}}, []string{"Cut.Bytes"}},
		{"cut negative", PerConnection, Fault{Action: Cut{Bytes: -1, After: -1}}, []string{"Cut.Bytes", "Cut.After"}},
		{"cut upstream on http", PerRequest, Fault{Action: Cut{Bytes: 10, Direction: Upstream}}, []string{"Cut.Direction"}},
		{"slow close zero", PerRequest, Fault{Action: SlowClose{}}, []string{"SlowClose.Delay"}},
		{"slow close negative", PerRequest, Fault{Action: SlowClose{Delay: -1}}, []string{"SlowClose.Delay"}},
		{"no scope", 0, Fault{Action: Reset{}}, []string{"Scope"}},
		{"many at once", PerConnection, Fault{Action: Latency{Delay: -1}, Probability: 2, First: -1, Match: Match{Tool: "x"}},
			[]string{"Probability", "Match.Tool", "First", "Latency.Delay"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.f.Validate(tc.scope)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate = %v, want an ErrInvalid", err)
			}
			if got := fields(err); !slices.Equal(got, tc.want) {
				t.Errorf("fields = %q, want %q\n%v", got, tc.want, err)
			}
			for _, f := range tc.want {
				if !strings.Contains(err.Error(), f+": ") {
					t.Errorf("message does not name %s: %v", f, err)
				}
			}
		})
	}
}

func TestFaultValidateMessage(t *testing.T) {
	f := Fault{ID: "x", Action: Latency{Delay: -5 * time.Millisecond}, Probability: 1.5, Match: Match{RPCMethod: "tools/call"}}
	got := f.Validate(PerConnection).Error()
	want := `chaos: invalid fault "x": Probability: 1.5 is outside 0..1; ` +
		`Match.RPCMethod: not available on a per-connection (TCP) proxy, which sees bytes, not requests; leave it empty; ` +
		`Latency.Delay: -5ms is negative; want a duration of zero or more`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestProxyValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    *Proxy
		want []string
	}{
		{"http", &Proxy{Scope: PerRequest, Target: "http://127.0.0.1:1/mcp"}, nil},
		{"tcp", &Proxy{Scope: PerConnection, Target: "localhost:5432", Listen: "127.0.0.1:0"}, nil},
		{"empty", &Proxy{}, []string{"Scope", "Target"}},
		{"tcp url for http", &Proxy{Scope: PerRequest, Target: "tcp://x:1"}, []string{"Target"}},
		{"no host", &Proxy{Scope: PerRequest, Target: "http:///x"}, []string{"Target"}},
		{"url for tcp", &Proxy{Scope: PerConnection, Target: "http://x:1/"}, []string{"Target"}},
		{"bad listen and peek", &Proxy{Scope: PerConnection, Target: "x:1", Listen: "nowhere", PeekLimit: -1}, []string{"Listen", "PeekLimit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			if got := fields(err); !slices.Equal(got, tc.want) {
				t.Errorf("fields = %q, want %q (%v)", got, tc.want, err)
			}
		})
	}
}

func TestStartRejectsInvalidProxy(t *testing.T) {
	p := &Proxy{Scope: PerRequest}
	if err := p.Start(t.Context()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Start = %v, want ErrInvalid", err)
	}
}

func TestRegistry(t *testing.T) {
	names := Kinds()
	if !sort.StringsAreSorted(names) {
		t.Fatalf("Kinds not sorted: %q", names)
	}
	want := []string{"abort", "bandwidth", "blackhole", "cut", "jsonrpc_error", "latency", "reset", "slow_close"}
	if !slices.Equal(names, want) {
		t.Fatalf("Kinds = %q, want %q", names, want)
	}
	for _, name := range names {
		a, err := NewAction(name)
		if err != nil {
			t.Fatal(err)
		}
		if a.Kind() != name {
			t.Errorf("NewAction(%q).Kind() = %q", name, a.Kind())
		}
		if actionValue(a).Kind() != name {
			t.Errorf("value of NewAction(%q) has kind %q", name, actionValue(a).Kind())
		}
		if KindDoc(name) == "" {
			t.Errorf("KindDoc(%q) is empty", name)
		}
		if !Supports(name, PerRequest) {
			t.Errorf("%s does not support PerRequest", name)
		}
	}
	if Supports("abort", PerConnection) || Supports("jsonrpc_error", PerConnection) || !Supports("blackhole", PerConnection) {
		t.Error("Supports: wrong per-connection kinds")
	}
}

func TestUnknownKind(t *testing.T) {
	for _, tc := range []struct{ name, hint string }{
		{"latncy", `(did you mean "latency"?)`},
		{"slowclose", `(did you mean "slow_close"?)`},
		{"blackhol", `(did you mean "blackhole"?)`},
		{"jsonrpc-error", `(did you mean "jsonrpc_error"?)`},
		{"teapot", ""},
	} {
		_, err := NewAction(tc.name)
		if !errors.Is(err, ErrUnknownKind) {
			t.Fatalf("NewAction(%q) = %v", tc.name, err)
		}
		msg := err.Error()
		if tc.hint != "" && !strings.Contains(msg, tc.hint) {
			t.Errorf("NewAction(%q): %v; want %s", tc.name, err, tc.hint)
		}
		if tc.hint == "" && strings.Contains(msg, "did you mean") {
			t.Errorf("NewAction(%q): %v; want no suggestion", tc.name, err)
		}
		if !strings.Contains(msg, "known kinds: abort, bandwidth") {
			t.Errorf("NewAction(%q): %v; want the list of kinds", tc.name, err)
		}
	}
}

func TestAddValidates(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	if _, err := p.Add(Fault{Action: Abort{Status: 42}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Add = %v, want ErrInvalid", err)
	}
	if _, err := p.Add(Fault{ID: "a", Action: Reset{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Add(Fault{ID: "a", Action: Reset{}}); !errors.Is(err, ErrDuplicateID) {
		t.Fatalf("Add = %v, want ErrDuplicateID", err)
	}
	// A generated id steps over one the caller took.
	mustAdd(t, p, Fault{ID: "reset-4", Action: Reset{}})
	if id := mustAdd(t, p, Fault{Action: Reset{}}); id != "reset-5" {
		t.Errorf("generated id = %q, want reset-5", id)
	}
	if _, err := (&Proxy{Scope: PerRequest, Target: b.URL}).Add(Fault{Action: Reset{}}); !errors.Is(err, ErrNotStarted) {
		t.Errorf("Add before Start = %v, want ErrNotStarted", err)
	}
	if err := p.Start(t.Context()); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start = %v, want ErrStarted", err)
	}
}
