// Package printable makes user-given text (names of loads, requests,
// routes, targets, titles) safe to print on a terminal or in a log: a
// name such as "list\nverdict: PASS" must not forge a line of the
// summary, and an ANSI escape must not recolour or clear the screen.
package printable
