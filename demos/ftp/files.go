package ftp

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"syscall"

	"socketlab/demos/upload"
	"socketlab/lab"
)

// The commands on folders and names: ls, cd, pwd, mkdir, rm, and quota
// and quit. Every name is resolved against the current folder by Resolve,
// then opened through the user's os.Root.

// resolve resolves a name of r against the current folder; a refusal has
// already been answered when ok is false.
func (ss *session) resolve(r Request, p string) (rel string, ok bool, err error) {
	rel, rerr := Resolve(ss.cwd, p)
	var ne *NameError
	if errors.As(rerr, &ne) {
		ss.s.Key("refuse-name")
		return "", false, ss.refuse(r, StatusForbidden, ne.Error(), ne.Text(lab.Zh))
	}
	return rel, true, nil
}

// fsError answers an error of the file system for r.
func (ss *session) fsError(r Request, p string, err error) error {
	switch {
	case escapes(err):
		ss.s.Key("refuse-name")
		return ss.refuse(r, StatusForbidden, fmt.Sprintf("%s: %q leads out of your home folder (a link)", ErrForbidden, p),
			fmt.Sprintf("拒绝：%q 指向你的主目录之外（符号链接）", p))
	case errors.Is(err, fs.ErrNotExist):
		return ss.refuse(r, StatusNotFound, fmt.Sprintf("%q: no such file or folder", p), fmt.Sprintf("%q：没有这个文件或文件夹", p))
	case errors.Is(err, fs.ErrExist):
		return ss.refuse(r, StatusConflict, fmt.Sprintf("%q exists already", p), fmt.Sprintf("%q 已经存在", p))
	case errors.Is(err, syscall.ENOTEMPTY):
		return ss.refuse(r, StatusConflict, fmt.Sprintf("%q: the folder is not empty", p), fmt.Sprintf("%q：文件夹不是空的", p))
	case errors.Is(err, syscall.ENOTDIR):
		return ss.refuse(r, StatusConflict, fmt.Sprintf("%q: not a folder", p), fmt.Sprintf("%q：不是文件夹", p))
	}
	ss.s.Note(lab.Tf("%s: %v", "%s：%v", p, err))
	return ss.refuse(r, StatusServer, fmt.Sprintf("%q: the server could not do it", p), fmt.Sprintf("%q：服务端无法完成", p))
}

func (ss *session) pwd(r Request) error {
	return ss.ok(Reply{Path: Show(ss.cwd)}, Show(ss.cwd), Show(ss.cwd))
}

func (ss *session) cd(r Request) error {
	rel, ok, err := ss.resolve(r, r.Path)
	if !ok {
		return err
	}
	info, err := ss.home.Stat(rootPath(rel))
	if err != nil {
		return ss.fsError(r, r.Path, err)
	}
	if !info.IsDir() {
		return ss.refuse(r, StatusConflict, fmt.Sprintf("%q: not a folder", r.Path), fmt.Sprintf("%q：不是文件夹", r.Path))
	}
	ss.cwd = rel
	return ss.ok(Reply{Path: Show(rel)}, Show(rel), Show(rel))
}

func (ss *session) mkdir(r Request) error {
	rel, ok, err := ss.resolve(r, r.Path)
	if !ok {
		return err
	}
	if rel == "" {
		return ss.refuse(r, StatusConflict, "your home folder exists already", "你的主目录已经存在")
	}
	if err := ss.home.Mkdir(rel, 0o700); err != nil {
		return ss.fsError(r, r.Path, err)
	}
	return ss.ok(Reply{Path: Show(rel)}, "made "+Show(rel), "已创建 "+Show(rel))
}

func (ss *session) rm(r Request) error {
	rel, ok, err := ss.resolve(r, r.Path)
	if !ok {
		return err
	}
	if rel == "" {
		return ss.refuse(r, StatusForbidden, "your home folder cannot be removed", "不能删除你的主目录")
	}
	if !ss.lock(rel, true) {
		return ss.busy(r)
	}
	defer ss.unlock(rel)
	info, err := ss.home.Lstat(rel)
	if err != nil {
		return ss.fsError(r, r.Path, err)
	}
	if err := ss.home.Remove(rel); err != nil {
		return ss.fsError(r, r.Path, err)
	}
	if info.Mode().IsRegular() {
		ss.usage.Add(-info.Size())
	}
	return ss.ok(Reply{Path: Show(rel)}, "removed "+Show(rel), "已删除 "+Show(rel))
}

func (ss *session) ls(r Request) error {
	rel := ss.cwd
	if r.Path != "" {
		var ok bool
		var err error
		if rel, ok, err = ss.resolve(r, r.Path); !ok {
			return err
		}
	}
	dir, err := ss.home.Open(rootPath(rel))
	if err != nil {
		return ss.fsError(r, r.Path, err)
	}
	defer dir.Close()
	var entries []Entry
	more := 0
	for { // in batches: a folder of a million names costs one batch of memory
		batch, err := dir.ReadDir(256)
		for _, d := range batch {
			if upload.IsPart(d.Name()) {
				continue
			}
			if len(entries) >= MaxListed {
				more++
				continue
			}
			e := Entry{Name: d.Name(), Dir: d.IsDir()}
			if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
				e.Size = info.Size()
			}
			entries = append(entries, e)
		}
		if err != nil && err != io.EOF {
			return ss.fsError(r, r.Path, err) // a file: ENOTDIR, "not a folder"
		}
		if err == io.EOF || len(batch) == 0 {
			break
		}
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	en := fmt.Sprintf("%d names in %s", len(entries), Show(rel))
	zh := fmt.Sprintf("%s 里有 %d 个名字", Show(rel), len(entries))
	if more > 0 {
		en += fmt.Sprintf(" (%d more not listed)", more)
		zh += fmt.Sprintf("（另有 %d 个未列出）", more)
	}
	return ss.ok(Reply{Path: Show(rel), Entries: entries, More: more}, en, zh)
}

func (ss *session) quota(r Request) error {
	used := ss.usage.Used()
	lim := ss.usage.Limit()
	en, zh := fmt.Sprintf("%d bytes used, no limit", used), fmt.Sprintf("已用 %d 字节，不限", used)
	if lim > 0 {
		en, zh = fmt.Sprintf("%d of %d bytes used", used, lim), fmt.Sprintf("已用 %d / %d 字节", used, lim)
	}
	return ss.ok(Reply{Used: num(used), Limit: num(lim)}, en, zh)
}

func (ss *session) quit(r Request) error {
	ss.ok(Reply{}, "bye", "再见")
	return errQuit
}
