package exercise

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// The catalogue of exercises is consistent: slugs well formed and unique,
// every case named, hinted and runnable for its role.
func TestCatalogue(t *testing.T) {
	slug := regexp.MustCompile(`^[a-z]+(-[a-z0-9]+)*$`)
	caseID := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, e := range All() {
		if !slug.MatchString(e.Slug) || seen[e.Slug] {
			t.Errorf("slug %q: malformed or twice", e.Slug)
		}
		seen[e.Slug] = true
		if e.Proto != "tcp" && e.Proto != "udp" || e.Title.En == "" || e.Title.Zh == "" || e.Task.En == "" || e.Task.Zh == "" || len(e.Cases) < 3 {
			t.Errorf("%s: incomplete", e.Slug)
		}
		ids := map[string]bool{}
		for _, c := range e.Cases {
			if ids[c.ID] || !caseID.MatchString(c.ID) {
				t.Errorf("%s: case id %q malformed or twice", e.Slug, c.ID)
			}
			ids[c.ID] = true
			switch e.Role {
			case Server:
				if c.Client == nil || c.Serve != nil || c.Peer != 0 {
					t.Errorf("%s/%s: a server exercise's case needs Client only", e.Slug, c.ID)
				}
			case Client:
				if (c.Serve == nil) == (c.Peer == 0) || (c.Want == "") == (c.Judge == nil) {
					t.Errorf("%s/%s: a client exercise's case needs Serve or Peer, and Want or Judge", e.Slug, c.ID)
				}
			}
		}
		if got, ok := Lookup(e.Slug); !ok || got.Slug != e.Slug {
			t.Errorf("Lookup(%q)", e.Slug)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup found nope")
	}
}

func TestUpperIsPythons(t *testing.T) {
	if got := string(upper([]byte("hello, 你好 é z{"))); got != "HELLO, 你好 é Z{" {
		t.Fatalf("%q", got)
	}
}

func TestProgress(t *testing.T) {
	dir := t.TempDir()
	if p, err := LoadProgress(dir); err != nil || len(p.Exercises) != 0 {
		t.Fatalf("%+v %v", p, err)
	}
	os.WriteFile(filepath.Join(dir, ProgressFile), []byte("{broken"), 0o644)
	if _, err := LoadProgress(dir); err == nil {
		t.Error("a broken file read without an error")
	}
	pass := Report{Slug: "echo-server", Status: StatusPass, Tests: []Result{{Status: StatusPass}}}
	if err := Record(dir, pass, time.Now()); err != nil { // replaces the broken file
		t.Fatal(err)
	}
	if err := Record(dir, Report{Slug: "echo-server", Status: StatusFail, Tests: []Result{{Status: StatusFail}}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	p, err := LoadProgress(dir)
	s := p.Exercises["echo-server"]
	if err != nil || !s.Done || s.Runs != 2 || s.Status != StatusFail || s.Passed != 0 || s.Cases != 1 {
		t.Fatalf("%+v %v", s, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ProgressFile+".*")); len(left) != 0 {
		t.Errorf("left: %v", left)
	}
}
