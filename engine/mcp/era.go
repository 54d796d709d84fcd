package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/reslua/reslua/engine/outcome"
)

// Protocol revisions.
const (
	// VersionAuto, as Client.ProtocolVersion, detects the era.
	VersionAuto = "auto"
	// Version20260728 is the revision of the stateless era: no sessions,
	// no initialize; every request carries _meta and the
	// MCP-Protocol-Version, Mcp-Method and Mcp-Name headers.
	Version20260728 = "2026-07-28"
	// LatestLegacyVersion is the newest revision of the legacy
	// (initialize) era, the one a detected legacy server is asked for
	// unless it names the revisions it supports.
	LatestLegacyVersion = "2025-11-25"
)

// Versions lists the revisions the client speaks, oldest first.
var Versions = []string{"2025-03-26", "2025-06-18", LatestLegacyVersion, Version20260728}

// IsStateless reports whether version belongs to the stateless era
// (2026-07-28 and later; revisions are dates, so they sort as strings).
func IsStateless(version string) bool { return version >= Version20260728 }

// MCP error codes of the 2026-07-28 era, sent with HTTP 400; a server
// that answers with one of them is of that era.
const (
	codeHeaderMismatch             = -32020
	codeMissingRequiredCapability  = -32021
	codeUnsupportedProtocolVersion = -32022
)

// era is what the client speaks to a target. It never changes.
type era struct {
	modern  bool   // the stateless era
	version string // modern: the revision of every request; legacy: the one asked for in initialize
	// Legacy era: initialize's params, built once.
	initParams json.RawMessage
	// Stateless era: the state every session starts from (no id, the
	// version, the client's _meta members).
	state *sessionState
}

// newEra returns the era of revision version, with the Client's identity.
func (c *Client) newEra(version string) *era {
	info := implementation{Name: or(c.ClientName, "reslua"), Version: or(c.ClientVersion, "dev")}
	if !IsStateless(version) {
		p, _ := json.Marshal(initializeParams{ProtocolVersion: version, ClientInfo: info}) // cannot fail: strings only
		return &era{version: version, initParams: p}
	}
	var meta []byte
	meta = appendMember(meta, metaProtocolVersion, mustJSON(version))
	meta = appendMember(meta, metaClientInfo, mustJSON(info))
	meta = appendMember(meta, metaClientCapabilities, json.RawMessage(`{}`))
	return &era{modern: true, version: version, state: c.prepare(&sessionState{
		versionValue: []string{version},
		modern:       true,
		meta:         meta,
	})}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Detect returns the protocol revision the Client speaks to its target and
// whether it is of the stateless (2026-07-28) era. A pinned
// ProtocolVersion answers at once. Otherwise the first call probes the
// target and the answer is kept for the Client's life; concurrent callers
// share one probe, and a probe that fails (the target is down, say) is
// not kept, so a later call probes again.
//
// The probe follows the backward-compatibility rules of the 2026-07-28
// Streamable HTTP transport: it sends server/discover in the stateless
// form (_meta, MCP-Protocol-Version: 2026-07-28, Mcp-Method). A result
// whose supportedVersions holds 2026-07-28 means the stateless era; a
// recognized error of that era (HTTP 400 with JSON-RPC -32020, -32021 or
// -32022 whose supported list holds 2026-07-28) too. Anything else a
// server says — a result or -32022 listing legacy revisions only, an
// unknown-method error, a 4xx with any other body — means the legacy era,
// asking initialize for the newest legacy revision the server listed (else
// LatestLegacyVersion). Transport errors, 5xx and 401, 403, 407, 408, 429
// say nothing about the era: the probe fails with an *OpenError.
//
// For a legacy answer, the version returned is the one initialize asks
// for; each session then uses the one the server chose.
func (c *Client) Detect(ctx context.Context) (version string, stateless bool, err error) {
	e, err := c.detect(ctx)
	if err != nil {
		return "", false, err
	}
	return e.version, e.modern, nil
}

// Probes returns the number of era probes (server/discover) sent so far.
func (c *Client) Probes() int64 { return c.probes.Load() }

// detect returns the Client's era, probing for it if need be.
func (c *Client) detect(ctx context.Context) (*era, error) {
	c.setup()
	if e := c.era.Load(); e != nil {
		return e, nil
	}
	if c.urlErr != nil {
		return nil, &OpenError{Kind: outcome.Other, Err: c.urlErr}
	}
	for {
		c.eraMu.Lock()
		if e := c.era.Load(); e != nil {
			c.eraMu.Unlock()
			return e, nil
		}
		if r := c.detecting; r != nil {
			c.eraMu.Unlock()
			select {
			case <-r.done:
				if r.err != nil && !r.ctxDone {
					return nil, r.err
				}
				continue // detected, or the prober gave up: look again
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		r := &renewal{done: make(chan struct{})}
		c.detecting = r
		c.eraMu.Unlock()

		e, err := c.probe(ctx)

		c.eraMu.Lock()
		c.detecting = nil
		if err == nil {
			c.era.Store(e)
		}
		c.eraMu.Unlock()
		r.err, r.ctxDone = err, ctx.Err() != nil
		close(r.done)
		return e, err
	}
}

// probe sends server/discover in the stateless form and tells the era
// from the answer; see Detect.
func (c *Client) probe(ctx context.Context) (*era, error) {
	c.probes.Add(1)
	modern := c.newEra(Version20260728)
	st := *modern.state
	discover := ServerDiscover()
	ex := c.post(ctx, c.shared(), &st, 1, &discover, false)

	fromList := func(supported []string) *era {
		if slices.Contains(supported, Version20260728) {
			return modern
		}
		for i := len(Versions) - 1; i >= 0; i-- {
			if v := Versions[i]; !IsStateless(v) && slices.Contains(supported, v) {
				return c.newEra(v)
			}
		}
		return c.newEra(LatestLegacyVersion)
	}
	fromError := func(e *RPCError) *era {
		switch e.Code {
		case codeUnsupportedProtocolVersion:
			var data struct {
				Supported []string `json:"supported"`
			}
			json.Unmarshal(e.Data, &data) // best effort: no list means legacy
			return fromList(data.Supported)
		case codeHeaderMismatch, codeMissingRequiredCapability:
			return modern
		}
		return c.newEra(LatestLegacyVersion)
	}

	switch code := ex.Status; {
	case ex.Kind == outcome.OK && ex.msg.Error != nil:
		return fromError(ex.msg.Error), nil
	case ex.Kind == outcome.OK:
		var res struct {
			SupportedVersions []string `json:"supportedVersions"`
		}
		json.Unmarshal(ex.msg.Result, &res) // best effort: no list means legacy
		return fromList(res.SupportedVersions), nil
	case code >= 200 && code < 300 && ctx.Err() == nil:
		return c.newEra(LatestLegacyVersion), nil // a reply no server of the stateless era sends
	case code >= 400 && code < 500 && !undecided(code):
		if ex.msg.Error != nil {
			return fromError(ex.msg.Error), nil
		}
		return c.newEra(LatestLegacyVersion), nil
	}
	return nil, &OpenError{Kind: ex.Kind, Status: ex.Status, Err: fmt.Errorf("detecting the protocol era: %w", ex.Err)}
}

// undecided reports whether a 4xx status to the probe leaves the era
// unknown: the server refused to look at the request at all.
func undecided(code int) bool {
	switch code {
	case 401, 403, 407, 408, 429:
		return true
	}
	return false
}
