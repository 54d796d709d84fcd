// Command cpurun runs a command and reports the CPU time that it (and
// the descendants it waited for) used, from the kernel's resource usage
// accounting at its exit, with the command's own output passed through:
//
//	cpurun -o FILE -- taskset -c 1 wrk ...
//
// FILE gets one line: "cpu_us=N user_us=U sys_us=S wall_us=W exit=E".
// taskset execs the generator in place, so the figure is the generator's
// alone; the target is another process tree.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	out := flag.String("o", "", "file for the result line (default stderr)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: cpurun [-o FILE] -- command [args...]")
		os.Exit(2)
	}
	signal.Ignore(syscall.SIGINT) // an interrupt reaches the command, which ends, and we report
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, "cpurun:", err)
		os.Exit(127)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	user := ru.Utime.Sec*1e6 + ru.Utime.Usec
	sys := ru.Stime.Sec*1e6 + ru.Stime.Usec
	line := fmt.Sprintf("cpu_us=%d user_us=%d sys_us=%d wall_us=%d exit=%d maxrss_kb=%d\n", user+sys, user, sys, wall.Microseconds(), code, ru.Maxrss)
	if *out == "" {
		fmt.Fprint(os.Stderr, line)
	} else if err := os.WriteFile(*out, []byte(line), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "cpurun:", err)
		os.Exit(1)
	}
	os.Exit(code)
}
