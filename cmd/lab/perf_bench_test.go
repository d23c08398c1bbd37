package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"socketlab/lab"
	"socketlab/lab/labtest"
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
		{"run15/size=1GB", []string{"run", "15", "--set", "size=1GB"}},
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

// BenchmarkVsLinearPython runs `lab run 5 --set size=10MB` (this test
// binary acting as the lab, the text trace thrown away; --format json in
// the json case) and, in turn, the same framed transfer in plain Python
// (testdata/py/framed_linear.py: a 4-byte header and 10 MB over loopback,
// read into a bytearray with recv_into, at most 1024 bytes a call as the
// lab's default buf), each as a whole process. Reported: each one's wall
// and CPU (user + sys, from the kernel) seconds a run, and the lab's over
// Python's (x-python-wall, x-python-cpu: below 1 is faster than Python).
func BenchmarkVsLinearPython(b *testing.B) {
	// The interpreter itself, not a wrapper script (pyenv's shim costs
	// more than the transfer).
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		b.Skip("python3 is not installed")
	}
	py := string(bytes.TrimSpace(out))
	for _, c := range []struct{ name, format, procs string }{
		{"format=text", "text", ""},
		{"format=json", "json", ""},
		// One P: the goroutines of both ends hand over on one thread.
		{"format=text/GOMAXPROCS=1", "text", "1"},
	} {
		b.Run(c.name, func(b *testing.B) {
			args := []string{"run", "5", "--set", "size=10MB"}
			if c.format == "json" {
				args = append(args, "--format", "json")
			}
			var labWall, labCPU, pyWall, pyCPU time.Duration
			for b.Loop() {
				lab := exec.Command(os.Args[0], args...)
				if c.procs != "" {
					lab.Env = []string{"GOMAXPROCS=" + c.procs}
				}
				w, c := child(b, lab)
				labWall, labCPU = labWall+w, labCPU+c
				w, c = child(b, exec.Command(py, filepath.Join("testdata", "py", "framed_linear.py"), "10000000", "1024"))
				pyWall, pyCPU = pyWall+w, pyCPU+c
			}
			n := float64(b.N)
			b.ReportMetric(labWall.Seconds()/n, "lab-wall-s")
			b.ReportMetric(labCPU.Seconds()/n, "lab-cpu-s")
			b.ReportMetric(pyWall.Seconds()/n, "py-wall-s")
			b.ReportMetric(pyCPU.Seconds()/n, "py-cpu-s")
			b.ReportMetric(labWall.Seconds()/pyWall.Seconds(), "x-python-wall")
			b.ReportMetric(labCPU.Seconds()/pyCPU.Seconds(), "x-python-cpu")
		})
	}
}

// child runs cmd (its Env, if any, added to the lab's) with its output
// thrown away and returns its wall time
// and the CPU time the kernel charged it (user + sys).
func child(b *testing.B, cmd *exec.Cmd) (wall, cpu time.Duration) {
	b.Helper()
	cmd.Env = append(cmd.Env, "LAB_BE_MAIN=1", "LANG=C.UTF-8", "PATH="+os.Getenv("PATH"), "HOME="+b.TempDir())
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%v: %v\n%s", cmd.Args, err, stderr.Bytes())
	}
	wall = time.Since(start)
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// uploadSize is the file size of BenchmarkServeClientUpload.
var uploadSize = flag.String("upload-size", "100MB", "BenchmarkServeClientUpload: the size of the file lab client 15 uploads")

// BenchmarkServeClientUpload runs `lab serve 15 --format none` (this test
// binary acting as the lab) and, each iteration, `lab client 15 --set
// size=100MB --format none` against it as a whole process, then in turn
// the baselines of labtest.HashedCopy over the same bytes: a loopback copy
// SHA-256d on both ends (x-hashed-copy: the client's wall time over it),
// and the same copy storing what it receives in the folder the server
// stores into (x-stored-copy). The client also hashes its file once
// before it sends, because its JSON header announces the SHA-256.
func BenchmarkServeClientUpload(b *testing.B) {
	size, err := lab.ParseSize(*uploadSize)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	srv := labCommand(b, "serve", "15", "--format", "none", "--dir", dir)
	var out syncBuffer
	srv.Stdout, srv.Stderr = &out, &out
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer srv.Wait()
	defer srv.Process.Signal(os.Interrupt)
	addr := waitFor(b, out.String, connectTo)
	var client, hashed, stored time.Duration
	b.SetBytes(size)
	for b.Loop() {
		w, _ := child(b, exec.Command(os.Args[0], "client", "15", "--connect", addr, "--set", "size="+lab.FormatSize(size), "--format", "none"))
		client += w
		clearDir(b, dir)
		for _, c := range []struct {
			d     *time.Duration
			store string
		}{{&hashed, ""}, {&stored, dir}} {
			d, err := labtest.HashedCopy(size, c.store)
			if err != nil {
				b.Fatal(err)
			}
			*c.d += d
		}
	}
	b.ReportMetric(client.Seconds()/float64(b.N), "client-s")
	b.ReportMetric(hashed.Seconds()/float64(b.N), "hashed-copy-s")
	b.ReportMetric(client.Seconds()/hashed.Seconds(), "x-hashed-copy")
	b.ReportMetric(client.Seconds()/stored.Seconds(), "x-stored-copy")
}

// clearDir removes the files in dir, a folder of the benchmark's own.
func clearDir(b *testing.B, dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			b.Fatal(err)
		}
	}
}
