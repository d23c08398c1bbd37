// Package lessons holds the texts a learner reads: for every demo a lesson in
// English and in Chinese (en/NN-slug.md, zh/NN-slug.md) and its step notes
// (en/NN-slug.steps, zh/NN-slug.steps), the one-line explanations shown in
// step mode before each socket call.
//
// A steps file has one note per line, "side.op: text" for every call of that
// kind, or "side.step: text" for the call the demo named so (Side.Step,
// Side.Key: a name, not a position, so a knob that adds calls cannot move
// a note); blank lines and lines starting with # are ignored:
//
//	server.accept: wait here until a client connects
//	server.merged: this recv gets both messages at once
//
// The package is linked to the demos by name only ("01-tcp-basic"), so it
// depends on nothing but the standard library.
package lessons

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

//go:embed en zh
var files embed.FS

// FS returns all lesson files.
func FS() fs.FS { return files }

// Name is a demo's file name without extension: "01-tcp-basic".
func Name(id int, slug string) string { return fmt.Sprintf("%02d-%s", id, slug) }

// Langs are the languages every lesson exists in.
var Langs = []string{"en", "zh"}

// Lesson returns the Markdown lesson of a demo in a language.
func Lesson(lang string, id int, slug string) (string, error) {
	b, err := fs.ReadFile(files, lang+"/"+Name(id, slug)+".md")
	if err != nil {
		return "", fmt.Errorf("lesson %s in %s: %w", Name(id, slug), lang, err)
	}
	return string(b), nil
}

// Steps returns a demo's step notes in a language, by key ("server.accept",
// "server.merged"). A demo without a steps file has none.
func Steps(lang string, id int, slug string) (map[string]string, error) {
	b, err := fs.ReadFile(files, lang+"/"+Name(id, slug)+".steps")
	if err != nil {
		return nil, fmt.Errorf("step notes %s in %s: %w", Name(id, slug), lang, err)
	}
	return ParseSteps(string(b))
}

// ParseSteps reads the "key: text" lines of a steps file.
func ParseSteps(s string) (map[string]string, error) {
	notes := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, text, ok := strings.Cut(line, ":")
		key, text = strings.TrimSpace(key), strings.TrimSpace(text)
		if !ok || key == "" || text == "" || strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("line %d: want \"side.op: text\", got %q", n, line)
		}
		if _, dup := notes[key]; dup {
			return nil, fmt.Errorf("line %d: %s is noted twice", n, key)
		}
		notes[key] = text
	}
	return notes, sc.Err()
}
