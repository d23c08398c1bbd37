//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// childEnv tells a copy of this test binary, run as another user, what
// TestPrivilegeChild must find: "denied" or "allowed".
const childEnv = "CAPTURE_TEST_PRIVILEGE"

// TestPrivilegeChild runs only in such a copy.
func TestPrivilegeChild(t *testing.T) {
	expect := os.Getenv(childEnv)
	if expect == "" {
		t.Skip("run by TestPrivilege as another user")
	}
	checkPrivilege(t, expect == "allowed")
}

func checkPrivilege(t *testing.T, allowed bool) {
	c, err := Open(Config{})
	probe := Probe()
	if allowed {
		if err != nil || !probe.OK {
			t.Fatalf("open: %v; probe %+v", err, probe)
		}
		c.Close()
		return
	}
	var pe *PrivilegeError
	if !errors.As(err, &pe) || !errors.Is(err, os.ErrPermission) {
		t.Fatalf("open: %v, want a *PrivilegeError", err)
	}
	self, _ := os.Executable()
	for _, want := range []string{"cannot show", "sudo setcap cap_net_raw+ep " + self} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if probe.OK || !errors.As(probe.Err, &pe) || probe.Source != Fallback {
		t.Errorf("probe %+v", probe)
	}

	// What is left works without privilege.
	client, server, _ := pair(t)
	if i, err := Snapshot(client); err != nil || i.State != Established {
		t.Errorf("snapshot: %+v, %v", i, err)
	}
	if st, err := ProcState(addrOf(t, server.LocalAddr()), addrOf(t, server.RemoteAddr())); err != nil || st != Established {
		t.Errorf("/proc/net/tcp: %v, %v", st, err)
	}
}

// Capture needs CAP_NET_RAW: as an unprivileged user Open says so and
// how to fix it, and that fix (a file capability, as setcap cap_net_raw+ep
// sets it) works.
func TestPrivilege(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("the child runs TestPrivilegeChild")
	}
	if os.Geteuid() != 0 {
		if Probe().OK {
			t.Skip("not root, but with CAP_NET_RAW: nothing to refuse")
		}
		checkPrivilege(t, false)
		return
	}
	for _, tt := range []struct {
		name   string
		setcap bool
	}{{"denied", false}, {"allowed", true}} {
		t.Run(tt.name, func(t *testing.T) {
			bin := copyForNobody(t)
			if tt.setcap {
				setFileCapNetRaw(t, bin)
			}
			cmd := exec.Command(bin, "-test.run=^TestPrivilegeChild$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), childEnv+"="+tt.name, "GOCOVERDIR=")
			cmd.Dir = filepath.Dir(bin)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS: TestPrivilegeChild") {
				t.Fatalf("as nobody: %v\n%s", err, out)
			}
		})
	}
}

// copyForNobody copies this test binary where user nobody can run it.
func copyForNobody(t *testing.T) string {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	bin := filepath.Join(dir, "capture.test")
	out, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return bin
}

// setFileCapNetRaw writes the extended attribute that
// "setcap cap_net_raw+ep bin" writes: struct vfs_cap_data, revision 2,
// effective, CAP_NET_RAW permitted.
func setFileCapNetRaw(t *testing.T, bin string) {
	const revision2, effective = 0x02000000, 0x000001 // linux/capability.h
	var v [20]byte
	binary.LittleEndian.PutUint32(v[0:], revision2|effective)
	binary.LittleEndian.PutUint32(v[4:], 1<<unix.CAP_NET_RAW) // permitted, low word
	if err := unix.Setxattr(bin, "security.capability", v[:], 0); err != nil {
		t.Skipf("cannot set a file capability here: %v", err)
	}
	if path, err := exec.LookPath("getcap"); err == nil {
		out, _ := exec.Command(path, bin).Output()
		if !strings.Contains(string(out), "cap_net_raw=ep") {
			t.Errorf("getcap says %q", out)
		}
	}
}
