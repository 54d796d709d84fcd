// Package breaker compares reslua's breaker (github.com/reslua/reslua/breaker)
// with sony/gobreaker v2 on the same workload: one Allow and one Record of a
// success per call, single-threaded and with b.RunParallel. gobreaker is a
// dependency of this bench module only, never of the library.
//
//	cd bench && go test -run '^$' -bench . -benchmem ./breaker/
package breaker
