package exercise

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// ProgressFile is where a working folder keeps what was checked there.
const ProgressFile = ".lab-progress.json"

// Progress is the content of ProgressFile: per slug, the last result.
type Progress struct {
	Version   int                 `json:"version"`
	Exercises map[string]Standing `json:"exercises"`
}

// Standing is an exercise's last check, and whether it ever passed.
type Standing struct {
	Status string    `json:"status"` // of the last check: pass, fail, error
	Passed int       `json:"passed"` // cases passed in it
	Cases  int       `json:"cases"`
	Done   bool      `json:"done"` // passed once: sticky
	Runs   int       `json:"runs"`
	Time   time.Time `json:"time"`
}

// maxProgress bounds what is read of a progress file.
const maxProgress = 1 << 20

// LoadProgress reads dir's progress; a folder without one has none yet.
func LoadProgress(dir string) (Progress, error) {
	p := Progress{Version: 1, Exercises: map[string]Standing{}}
	b, err := os.ReadFile(filepath.Join(dir, ProgressFile))
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("read progress: %w", err)
	}
	if len(b) > maxProgress {
		return p, fmt.Errorf("read progress: %s is larger than %d bytes", ProgressFile, maxProgress)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return Progress{Version: 1, Exercises: map[string]Standing{}}, fmt.Errorf("read progress: %s: %w", ProgressFile, err)
	}
	if p.Exercises == nil {
		p.Exercises = map[string]Standing{}
	}
	return p, nil
}

// Record adds a check to dir's progress and rewrites the file atomically
// (a new file renamed over the old one).
func Record(dir string, r Report, now time.Time) error {
	p, err := LoadProgress(dir)
	if err != nil {
		p = Progress{Version: 1, Exercises: map[string]Standing{}} // a broken file is replaced
	}
	s := p.Exercises[r.Slug]
	s.Status, s.Passed, s.Cases, s.Time = r.Status, r.Passed(), len(r.Tests), now.UTC().Round(time.Second)
	s.Runs++
	s.Done = s.Done || r.Status == StatusPass
	p.Exercises[r.Slug] = s
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ProgressFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("write progress: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, ProgressFile))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write progress: %w", err)
	}
	return nil
}
