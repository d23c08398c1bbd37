//go:build unix

package grade

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// A watcher is a shell in a process group of its own that kills the
// program's group when the lab's end of its stdin closes without the word
// "done": when the lab dies without running Stop (a panic in another
// goroutine, SIGKILL). Pdeathsig (Linux) reaches only the first process,
// not what it started.
type watcher struct {
	cmd *exec.Cmd
	w   *os.File
}

const watchScript = `read line; [ "$line" = done ] || kill -s KILL -- "-$1" 2>/dev/null`

// startWatcher starts one for the group; nil if it cannot (no /bin/sh):
// then only Stop and Pdeathsig are left.
func startWatcher(pgid int) *watcher {
	r, w, err := os.Pipe()
	if err != nil {
		return nil
	}
	cmd := exec.Command("/bin/sh", "-c", watchScript, "lab-grade-watch", strconv.Itoa(pgid))
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // no Ctrl-C from the terminal
	err = cmd.Start()
	r.Close()
	if err != nil {
		w.Close()
		return nil
	}
	return &watcher{cmd: cmd, w: w}
}

// stop tells the watcher that all is done and reaps it.
func (w *watcher) stop() {
	if w == nil {
		return
	}
	w.w.Write([]byte("done\n"))
	w.w.Close()
	w.cmd.Wait()
}

func signalOf(ps *os.ProcessState) (syscall.Signal, bool) {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal(), true
	}
	return 0, false
}

// signalName is "SIGSEGV (segmentation fault)".
func signalName(sig syscall.Signal) string {
	if n := unix.SignalName(sig); n != "" {
		return n + " (" + sig.String() + ")"
	}
	return sig.String()
}
