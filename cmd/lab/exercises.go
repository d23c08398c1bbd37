package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"socketlab/demos/exercise"
	"socketlab/lab"
)

// lab exercises [--format text|json]: the list, ✓ for those passed here.
func (e *env) exercisesCmd(args []string) error {
	fs := flag.NewFlagSet("exercises", flag.ContinueOnError)
	var c common
	c.register(fs)
	format := fs.String("format", "text", "text or json")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage(lab.T("lab exercises takes no arguments", "lab exercises 不接受参数"), lab.Tf("unexpected argument %q", "多余的参数 %q", pos[0]))
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	progress, perr := exercise.LoadProgress(".")
	if perr != nil {
		fmt.Fprintf(e.stderr, "lab: warning: %v\n", perr)
	}
	if *format == "json" {
		type item struct {
			ID     int    `json:"id"`
			Slug   string `json:"slug"`
			Role   string `json:"role"`
			Demo   int    `json:"demo"`
			Title  string `json:"title"`
			Passed bool   `json:"passed"`
		}
		items := []item{}
		for _, x := range exercise.All() {
			items = append(items, item{x.ID(), x.Slug, x.Role.String(), x.Demo, x.Title.In(s.lang), progress.Exercises[x.Slug].Done})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(items)
	}
	l := s.lang
	for _, x := range exercise.All() {
		mark := " "
		if progress.Exercises[x.Slug].Done {
			mark = "✓"
		}
		role := lab.T("server", "服务端")
		if x.Role == exercise.Client {
			role = lab.T("client", "客户端")
		}
		fmt.Fprintf(e.stdout, "%s %2d  %-16s %-7s %s %-3d %s\n", mark, x.ID(), x.Slug, role.In(l), lab.T("demo", "演示").In(l), x.Demo, x.Title.In(l))
	}
	fmt.Fprintln(e.stdout, lab.T("\nlab exercise <slug> shows one; lab exercise init <slug> writes a starter; lab check <slug> -- <command> grades it.",
		"\nlab exercise <slug> 显示一个练习；lab exercise init <slug> 写出起步文件；lab check <slug> -- <命令> 给它评分。").In(l))
	return nil
}

// lab exercise <slug> | lab exercise init <slug> [DIR] [--python|--go] [--force]
func (e *env) exerciseCmd(args []string) error {
	fs := flag.NewFlagSet("exercise", flag.ContinueOnError)
	var c common
	c.register(fs)
	py := fs.Bool("python", false, "init: a Python starter (the default)")
	golang := fs.Bool("go", false, "init: a Go starter")
	force := fs.Bool("force", false, "init: overwrite a file that exists")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	hint := lab.T("lab exercise <slug> [--lang en|zh], or lab exercise init <slug> [DIR] [--python|--go] [--force]",
		"lab exercise <slug> [--lang en|zh]，或 lab exercise init <slug> [目录] [--python|--go] [--force]")
	if len(pos) > 0 && pos[0] == "init" {
		switch {
		case len(pos) < 2 || len(pos) > 3:
			return usage(hint, lab.T("exercise init needs one exercise, and at most a folder", "exercise init 需要一个练习，最多再加一个文件夹"))
		case *py && *golang:
			return usage(hint, lab.T("--python or --go, not both", "--python 或 --go，不能同时给出"))
		}
		ex, ok := exercise.Lookup(pos[1])
		if !ok {
			return unknownExercise(pos[1])
		}
		dir := "."
		if len(pos) == 3 {
			dir = pos[2]
		}
		return e.initExercise(ex, dir, *golang, *force, s.lang)
	}
	if len(pos) != 1 {
		return usage(hint, lab.T("exercise needs one exercise", "exercise 需要指定一个练习"))
	}
	ex, ok := exercise.Lookup(pos[0])
	if !ok {
		return unknownExercise(pos[0])
	}
	_, err = fmt.Fprint(e.stdout, ex.Statement(s.lang))
	return err
}

// initExercise writes the starter file into dir, never over a file
// without --force.
func (e *env) initExercise(ex exercise.Exercise, dir string, goLang, force bool, l lab.Lang) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &failure{msg: lab.Tf("cannot make %s: %v", "无法创建 %s：%v", dir, err)}
	}
	path := filepath.Join(dir, ex.File(goLang))
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return &failure{msg: lab.Tf("%s exists: not overwritten", "%s 已经存在：没有覆盖", path),
			hint: lab.T("add --force to overwrite it, or give another folder", "加上 --force 覆盖它，或者换一个文件夹")}
	}
	if err != nil {
		return &failure{msg: lab.Tf("cannot write %s: %v", "无法写入 %s：%v", path, err)}
	}
	_, err = f.WriteString(ex.Starter(goLang, l))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &failure{msg: lab.Tf("cannot write %s: %v", "无法写入 %s：%v", path, err)}
	}
	run := "python3 " + path
	if goLang {
		run = "go run " + path
	}
	fmt.Fprintln(e.stdout, lab.Tf("wrote %s; when it is written: lab check %s -- %s {port}", "已写出 %s；写好之后：lab check %s -- %s {port}", path, ex.Slug, run).In(l))
	return nil
}
