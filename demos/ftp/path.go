package ftp

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"socketlab/demos/upload"
	"socketlab/demos/wire"
	"socketlab/lab"
)

// Names from the network. A client names files and folders with paths
// relative to its current folder, "/" between the parts ("docs/a.txt",
// "../b.txt"). The server resolves them by text first, then opens them
// through the user's os.Root, which the kernel cannot be talked out of:
//
//	refused by Resolve            why
//	/etc/passwd                   absolute: every name is relative to your folder
//	../../etc/passwd (at home)    .. would climb above your home folder
//	a\b, C:x                      a Windows separator or drive
//	"a\x00b", "a\nb"              NUL or another control character
//	.a.txt.part                   the server's own partial files
//	refused by os.Root
//	link -> /etc (a symlink)      "path escapes from parent"
//
// So a name is never joined to a folder with string functions alone
// (the seed's os.path.normpath(os.path.join(server_dir, filename)) lets
// "../../etc/passwd" out).

// ErrForbidden is wrapped by the errors of a name that is refused.
var ErrForbidden = errors.New("refused")

// A NameError is a refused name, with the reason in both languages.
type NameError struct {
	Name string
	Why  lab.Text
}

func (e *NameError) Error() string {
	return fmt.Sprintf("%v: %q %s", ErrForbidden, cutS(e.Name), e.Why.En)
}

// Unwrap returns ErrForbidden.
func (e *NameError) Unwrap() error { return ErrForbidden }

// Text is the refusal in the language l.
func (e *NameError) Text(l lab.Lang) string {
	if l == lab.Zh {
		return fmt.Sprintf("拒绝：%q %s", cutS(e.Name), e.Why.Zh)
	}
	return e.Error()
}

// MaxPath is the longest path a request may name, in bytes.
const MaxPath = 1024

// Resolve joins p to cwd (a clean relative path, "" for the home folder)
// and returns the clean relative path it names, "" for home. It refuses,
// with an error wrapping ErrForbidden, every name in the table above.
func Resolve(cwd, p string) (string, error) {
	bad := func(why lab.Text) (string, error) {
		return "", &NameError{Name: p, Why: why}
	}
	switch {
	case p == "":
		return bad(lab.T("is empty", "是空的"))
	case len(p) > MaxPath:
		return bad(lab.Tf("is longer than %d bytes", "超过 %d 字节", MaxPath))
	case !utf8.ValidString(p):
		return bad(lab.T("is not valid UTF-8", "不是合法的 UTF-8"))
	case strings.HasPrefix(p, "/"):
		return bad(lab.T("is absolute: names are relative to your folder (/ in pwd is your home, not the server's /)",
			"是绝对路径：名字都相对于你的文件夹（pwd 里的 / 是你的主目录，不是服务端的 /）"))
	case strings.Contains(p, `\`):
		return bad(lab.T(`contains \: use / between folders`, `含有 \：文件夹之间请用 /`))
	case len(p) >= 2 && p[1] == ':':
		return bad(lab.T("names a drive", "指定了盘符"))
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return bad(lab.Tf("contains the control character %U", "含有控制字符 %U", r))
		}
	}
	parts := []string{}
	if cwd != "" {
		parts = strings.Split(cwd, "/")
	}
	for _, c := range strings.Split(p, "/") {
		switch {
		case c == "" || c == ".":
		case c == "..":
			if len(parts) == 0 {
				return bad(lab.T("leaves your home folder: .. cannot climb above it", "会离开你的主目录：.. 不能越过它"))
			}
			parts = parts[:len(parts)-1]
		case upload.IsPart(c):
			return bad(lab.T("is a partial file of the server's (a name like .NAME.part)", "是服务端的部分文件（形如 .名字.part 的名字）"))
		default:
			if _, err := wire.SafeName(c); err != nil {
				var ne *wire.NameError
				if errors.As(err, &ne) {
					return bad(lab.T("has an unsafe part "+ne.Quoted+": "+ne.En, "含有不安全的部分 "+ne.Quoted+"："+ne.Zh))
				}
				return bad(lab.T(err.Error(), err.Error()))
			}
			parts = append(parts, c)
		}
	}
	return strings.Join(parts, "/"), nil
}

// Show is how a path relative to home is shown to its user: "/", "/docs".
func Show(rel string) string { return "/" + rel }

// rootPath is rel as os.Root wants it: "." for the home folder.
func rootPath(rel string) string {
	if rel == "" {
		return "."
	}
	return rel
}

// escapes says whether err is os.Root refusing a path that leads out
// (through a symbolic link).
func escapes(err error) bool {
	return err != nil && strings.Contains(err.Error(), "path escapes")
}
