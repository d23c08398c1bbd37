package main

import (
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// BenchmarkPeakRSS runs whole lab commands as child processes (this test
// binary acting as the lab) and reports the largest resident memory the
// kernel saw in each (rusage MaxRSS), with the output thrown away.
// Memory must stay flat however many bytes a demo moves.
func BenchmarkPeakRSS(b *testing.B) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"run15/size=10MB", []string{"run", "15", "--set", "size=10MB"}},
		{"run15/size=100MB", []string{"run", "15", "--set", "size=100MB"}},
		{"run5/size=16MiB/text", []string{"run", "5", "--set", "size=16MiB"}},
		{"run5/size=16MiB/json", []string{"run", "5", "--set", "size=16MiB", "--format", "json"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var peak int64
			var took time.Duration
			for b.Loop() {
				rss, d := childRSS(b, c.args...)
				peak, took = max(peak, rss), took+d
			}
			b.ReportMetric(float64(peak)/(1<<20), "MiB-maxrss")
			b.ReportMetric(took.Seconds()/float64(b.N), "s/run")
		})
	}
}

// childRSS runs the lab with args and returns its peak RSS in bytes and how
// long it ran.
func childRSS(b *testing.B, args ...string) (int64, time.Duration) {
	b.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = []string{"LAB_BE_MAIN=1", "LANG=C.UTF-8", "PATH=" + os.Getenv("PATH"), "HOME=" + b.TempDir()}
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("lab %v: %v", args, err)
	}
	took := time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Skip("no rusage on this system")
	}
	return ru.Maxrss << 10, took // Linux reports kilobytes
}
