package wire

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFileName is the longest file name, in bytes, that SafeName accepts.
const MaxFileName = 255

// ErrUnsafeName is wrapped by every error of SafeName.
var ErrUnsafeName = errors.New("unsafe file name")

// NameError is SafeName's error: the name (its first 64 bytes, quoted) and
// why it is refused, in English and in Chinese.
type NameError struct {
	Quoted string // the name as Go quotes it, cut to its first 64 bytes
	En, Zh string // the reason
}

func (e *NameError) Error() string { return fmt.Sprintf("%v %s: %s", ErrUnsafeName, e.Quoted, e.En) }

// Is makes errors.Is(err, ErrUnsafeName) hold.
func (e *NameError) Is(target error) bool { return target == ErrUnsafeName }

// SafeName checks a file name that came from the network (the "filename"
// of a put header) before anything is written: it must be one plain name,
// to be joined to a folder the receiver chose, on Linux, macOS and Windows
// alike. It refuses empty names, "." and "..", any "/" or "\" (so
// "../../etc/passwd", "/etc/passwd" and "C:\x" are all refused), ":"
// anywhere (a drive, or an NTFS stream as in "a.txt:hidden"), the other
// characters Windows forbids (< > " | ? *), Windows' device names with or
// without an extension (CON, PRN, AUX, NUL, COM0–COM9, LPT0–LPT9, CONIN$,
// CONOUT$: "aux.txt" is the device too), a trailing dot or space (Windows
// drops them, so "a.txt." would be stored as "a.txt"), NUL and other
// control characters (C0, DEL and C1), the bidirectional controls that
// make a name read differently from its bytes ("txt.exe" shown as
// "exe.txt"), invalid UTF-8 and names longer than MaxFileName bytes. It
// returns the name unchanged when it is safe; the error is a *NameError.
func SafeName(name string) (string, error) {
	bad := func(en, zh string) (string, error) {
		// The name came from the peer and may be 64 KiB long: quote its
		// start only.
		quoted := name
		if len(quoted) > 64 {
			cut := 64
			for cut > 0 && !utf8.RuneStart(quoted[cut]) {
				cut--
			}
			quoted = quoted[:cut] + "…"
		}
		return "", &NameError{Quoted: fmt.Sprintf("%q", quoted), En: en, Zh: zh}
	}
	switch {
	case name == "":
		return bad("empty", "名字为空")
	case len(name) > MaxFileName:
		return bad(fmt.Sprintf("longer than %d bytes", MaxFileName), fmt.Sprintf("超过 %d 个字节", MaxFileName))
	case !utf8.ValidString(name):
		return bad("not valid UTF-8", "不是有效的 UTF-8")
	case name == "." || name == "..":
		return bad("not a file name", "不是文件名")
	case strings.ContainsAny(name, `/\`):
		return bad("contains a path separator: only a plain name may be given", "含有路径分隔符：只能给出一个单纯的文件名")
	case strings.Contains(name, ":"):
		return bad("contains ':', which names a drive or an NTFS stream on Windows", "含有 ':'，在 Windows 上它表示驱动器或 NTFS 数据流")
	}
	for _, r := range name {
		switch {
		case unicode.IsControl(r): // C0, DEL and C1 (U+009B starts a terminal sequence too)
			return bad(fmt.Sprintf("contains the control character %U", r), fmt.Sprintf("含有控制字符 %U", r))
		case isBidi(r):
			return bad(fmt.Sprintf("contains the bidirectional control %U, which makes the name read differently from what it is", r),
				fmt.Sprintf("含有双向控制字符 %U，它让名字显示得和实际不同", r))
		case strings.ContainsRune(`<>"|?*`, r):
			return bad(fmt.Sprintf("contains %q, which Windows does not allow in a file name", r),
				fmt.Sprintf("含有 %q，Windows 不允许文件名里有它", r))
		}
	}
	if last := name[len(name)-1]; last == '.' || last == ' ' {
		return bad("ends with a dot or a space, which Windows drops (it would store another name)",
			"以点或空格结尾，Windows 会把它去掉（存下的会是另一个名字）")
	}
	if dev := windowsDevice(name); dev != "" {
		return bad(fmt.Sprintf("is Windows' device %s (with any extension), not a file", dev),
			fmt.Sprintf("是 Windows 的设备名 %s（带什么扩展名都一样），不是文件", dev))
	}
	return name, nil
}

// isBidi reports the characters that reorder text: the marks, embeddings,
// overrides and isolates of Unicode's bidirectional algorithm.
func isBidi(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// windowsDevice returns the device a name opens on Windows ("NUL" for
// "nul.txt" and "NUL .tar.gz"), or "".
func windowsDevice(name string) string {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return base
	}
	if len(base) == 4 && (base[:3] == "COM" || base[:3] == "LPT") && base[3] >= '0' && base[3] <= '9' {
		return base
	}
	// COM¹ … LPT³: Windows reserves the superscript digits too.
	if r := strings.TrimPrefix(strings.TrimPrefix(base, "COM"), "LPT"); len(base)-len(r) == 3 && (r == "¹" || r == "²" || r == "³") {
		return base
	}
	return ""
}
