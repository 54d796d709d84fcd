package deploy

import (
	"net/http/httputil"
	"net/url"

	"github.com/reslua/reslua/breaker"
)

// Route is one named backend of a Router: a deployment colour such as
// "blue", "green" or "canary".
type Route struct {
	// Name identifies the route in weights, stats and events. Required;
	// unique within a router.
	Name string

	// URL is the backend's base URL (http or https, with a host); a
	// request's path is appended to its path. Required.
	URL string

	// Breaker configures this route's circuit breaker, overriding
	// Router.Breaker. Zero (nil): Router.Breaker's settings, or no breaker
	// when that is nil too.
	Breaker *breaker.Settings
}

// route is a Route as the router runs it.
type route struct {
	name     string
	url      *url.URL
	proxy    *httputil.ReverseProxy
	breaker  *breaker.Breaker // nil: none
	counters counters
	latency  latencyHist
}
