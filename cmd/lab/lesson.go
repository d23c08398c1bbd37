package main

import (
	"flag"
	"socketlab/lab"
	"socketlab/lab/render"
	"socketlab/lessons"
	"strings"

	"github.com/fatih/color"
)

func (e *env) lesson(args []string) error {
	fs := flag.NewFlagSet("lesson", flag.ContinueOnError)
	var c common
	c.register(fs)
	noPager := fs.Bool("no-pager", false, "print the lesson without a pager")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage(lab.T("lab lesson <N|slug>, e.g. lab lesson 3", "lab lesson <N|slug>，例如 lab lesson 3"),
			lab.T("lesson needs one demo", "lesson 需要指定一个演示"))
	}
	d, err := lookup(pos[0], false)
	if err != nil {
		return err
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	text, err := lessons.Lesson(string(s.lang), d.ID, d.Slug)
	if err != nil {
		return err
	}
	return e.showLesson(styleMarkdown(render.Reflow(text, s.width), s), s, *noPager)
}

// styleMarkdown makes a lesson easier to read in a terminal: headings bold.
func styleMarkdown(md string, s settings) string {
	if !s.color {
		return md
	}
	bold := color.New(color.Bold, color.FgCyan)
	bold.EnableColor()
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "#") {
			lines[i] = bold.Sprint(l)
		}
	}
	return strings.Join(lines, "\n")
}
