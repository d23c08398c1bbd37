//go:build linux

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestPacketsUnprivileged: an unprivileged user's lab run --packets is
// never silently without packets: the lab runs itself in a network
// namespace of its own and captures there, or says in one line that it
// shows TCP_INFO instead. (Run as root, the test drops to nobody.)
func TestPacketsUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run the lab as nobody")
	}
	// nobody must be able to run the test binary: copy it somewhere it can.
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // t.TempDir's folders are the tester's alone
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "lab")
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	src.Close()
	dst.Close()
	cmd := exec.Command(bin, "run", "1", "--packets", "--width", "120", "--check")
	cmd.Env = []string{"LAB_BE_MAIN=1", "LANG=C.UTF-8", "PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("exit %v:\n%s", err, out)
	}
	s := string(out)
	switch {
	case strings.Contains(s, "a network namespace the lab made"):
		if !strings.Contains(s, "[SYN]") || !strings.Contains(s, "[FIN, ACK]") {
			t.Errorf("captured in a namespace, yet no handshake or close:\n%s", s)
		}
	case strings.Contains(s, "TCP_INFO"):
		t.Logf("no user namespace here: the fallback, as it should say:\n%s", s)
		if userNamespacesAllowed() {
			t.Errorf("this machine allows user namespaces, yet the lab fell back")
		}
	default:
		t.Errorf("neither packets nor a word about their absence:\n%s", s)
	}
}

// userNamespacesAllowed reports whether an unprivileged user may make a
// user namespace on this machine (Debian's sysctl; Ubuntu's apparmor knob).
func userNamespacesAllowed() bool {
	for _, f := range []string{"/proc/sys/kernel/unprivileged_userns_clone", "/proc/sys/user/max_user_namespaces"} {
		if b, err := os.ReadFile(f); err == nil && strings.TrimSpace(string(b)) == "0" {
			return false
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"); err == nil && strings.TrimSpace(string(b)) == "1" {
		return false
	}
	return true
}
