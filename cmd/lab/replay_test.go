package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestReplayMatchesLive: a run saved with --save and replayed draws exactly
// the text the live run drew, at the same width and language: markers,
// folds, hidden barriers and findings included. The live text was drawn
// from the first bytes of each call, the replay from all of them.
func TestReplayMatchesLive(t *testing.T) {
	englishEnv(t)
	for _, c := range []struct {
		args  []string
		width string
		lang  string
	}{
		{[]string{"1"}, "120", "en"},
		{[]string{"3"}, "80", "zh"},
		{[]string{"4", "--set", "mode=cork"}, "120", "zh"},
		{[]string{"5", "--set", "size=1MiB"}, "120", "en"},
		{[]string{"9"}, "100", "en"},
		{[]string{"13"}, "80", "en"},
		{[]string{"15", "--set", "size=300000"}, "120", "zh"},
	} {
		t.Run(strings.Join(c.args, " ")+" "+c.width+" "+c.lang, func(t *testing.T) {
			saved := filepath.Join(t.TempDir(), "trace.jsonl")
			args := append([]string{"run"}, c.args...)
			args = append(args, "--width", c.width, "--lang", c.lang, "--save", saved)
			code, live, stderr := runLab(t, "", args...)
			if code != 0 {
				t.Fatalf("run: exit %d: %s", code, stderr)
			}
			code, replayed, stderr := runLab(t, "", "replay", saved, "--width", c.width, "--lang", c.lang)
			if code != 0 || stderr != "" {
				t.Fatalf("replay: exit %d: %s", code, stderr)
			}
			if replayed != live {
				t.Errorf("the replay differs from the live run:\n--- live\n%s\n--- replay\n%s", live, replayed)
			}
			// The JSON trace replays to itself.
			code, again, _ := runLab(t, "", "replay", saved, "--format", "json", "--lang", c.lang)
			orig, err := os.ReadFile(saved)
			if err != nil || code != 0 || again != string(orig) {
				t.Errorf("replay --format json is not the saved trace (exit %d, %v)", code, err)
			}
		})
	}
}

// TestReplayRefusesBadTraces: a file cut short, a line edited by hand, a
// trace from a newer lab and a missing file each get one error naming the
// line, exit 2; a trace without its summary is drawn with a warning.
func TestReplayRefusesBadTraces(t *testing.T) {
	englishEnv(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	if code, _, stderr := runLab(t, "", "run", "1", "--format", "json", "--save", good); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	orig, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(orig), "\n")
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cut := string(orig[:len(orig)-len(lines[len(lines)-2])+20]) // in the middle of the summary
	for _, c := range []struct {
		name, text, want string
	}{
		{"cut", cut, "line " + itoa(len(lines)-1) + ": the file ends in the middle of a line"},
		{"edited", strings.Replace(string(orig), `"seq":5,`, `"seq":3,`, 1), "line 6: seq 3 after seq 4"},
		{"not json", strings.Replace(string(orig), lines[3], "hello\n", 1), "line 4: not a JSON object"},
		{"no op", strings.Replace(string(orig), `"op":"bind"`, `"opx":"bind"`, 1), "seq, t_us, side and op are required"},
		{"newer", strings.Replace(string(orig), `"version":2`, `"version":3`, 1), "line 1: this trace was written by a newer lab (trace version 3"},
		{"bad hex", strings.Replace(string(orig), `"data_hex":"68`, `"data_hex":"zz`, 1), "data_hex is not hex"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runLab(t, "", "replay", write(c.name+".jsonl", c.text))
			if code != exitUsage || !strings.Contains(stderr, c.want) || strings.Count(stderr, "lab: error:") != 1 {
				t.Errorf("exit %d, want %d with %q:\n%s", code, exitUsage, c.want, stderr)
			}
		})
	}
	code, _, stderr := runLab(t, "", "replay", filepath.Join(dir, "missing.jsonl"))
	if code != exitUsage || !strings.Contains(stderr, "cannot open the trace") {
		t.Errorf("missing file: exit %d: %s", code, stderr)
	}
	noSummary := strings.Join(lines[:len(lines)-2], "")
	code, out, stderr := runLab(t, "", "replay", write("partial.jsonl", noSummary))
	if code != 0 || !strings.Contains(stderr, "no summary line") || !strings.Contains(out, "recv(1024)") {
		t.Errorf("no summary: exit %d: %s", code, stderr)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
