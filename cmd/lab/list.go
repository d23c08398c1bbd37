package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/render"
)

// writeList prints the catalogue as a table.
func writeList(w io.Writer, s settings) error {
	l := s.lang
	// The title column (its width counts one space of padding each side)
	// gets what the terminal leaves beside the others, about 50 cells, and
	// no more than the longest title needs.
	titleW := 0
	for _, d := range demos.All() {
		titleW = max(titleW, render.Width(d.Title.In(l))+2)
	}
	titleW = max(12, min(titleW, s.width-50))
	t := tablewriter.NewTable(w,
		tablewriter.WithEastAsian(tw.Off),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithColumnWidths(tw.NewMapper[int, int]().Set(2, titleW)),
	)
	t.Header(lab.T("#", "#").In(l), lab.T("demo", "演示").In(l), lab.T("what it teaches", "内容").In(l), lab.T("knobs (--set)", "参数（--set）").In(l))
	for _, d := range demos.All() {
		var knobs []string
		for _, k := range d.Knobs {
			knobs = append(knobs, k.Name)
		}
		if err := t.Append(fmt.Sprint(d.ID), d.Slug, d.Title.In(l), strings.Join(knobs, " ")); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	hint := lab.T(
		"Run one with: lab run <N>   ·   read its lesson: lab lesson <N>   ·   step by step: lab run <N> --step",
		"运行：lab run <N>   ·   阅读讲解：lab lesson <N>   ·   单步执行：lab run <N> --step").In(l)
	for _, line := range render.Wrap(hint, s.width) {
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

type jsonKnob struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Default string   `json:"default"`
	Range   string   `json:"range"`
	Choices []string `json:"choices,omitempty"`
	Help    string   `json:"help"`
}

type jsonDemo struct {
	ID    int        `json:"id"`
	Slug  string     `json:"slug"`
	Title string     `json:"title"`
	Brief string     `json:"brief"`
	Knobs []jsonKnob `json:"knobs"`
}

var kindNames = map[lab.Kind]string{
	lab.KindInt: "int", lab.KindSize: "size", lab.KindString: "string", lab.KindEnum: "enum", lab.KindBool: "bool",
}

// writeListJSON prints one JSON object per demo and line.
func writeListJSON(w io.Writer, l lab.Lang) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, d := range demos.All() {
		j := jsonDemo{ID: d.ID, Slug: d.Slug, Title: d.Title.In(l), Brief: d.Brief.In(l), Knobs: []jsonKnob{}}
		for _, k := range d.Knobs {
			j.Knobs = append(j.Knobs, jsonKnob{Name: k.Name, Kind: kindNames[k.Kind], Default: k.Default,
				Range: k.Range(), Choices: k.Choices, Help: k.Help.In(l)})
		}
		if err := enc.Encode(j); err != nil {
			return err
		}
	}
	return nil
}
func (e *env) list(args []string) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	var c common
	c.register(fs)
	format := fs.String("format", "text", "text or json")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage(lab.T("lab list takes no arguments", "lab list 不接受参数"),
			lab.Tf("unexpected argument %q", "多余的参数 %q", pos[0]))
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if *format == "json" {
		return writeListJSON(e.stdout, s.lang)
	}
	return writeList(e.stdout, s)
}
