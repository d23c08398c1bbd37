package lab

import (
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

// Lang is a language a learner reads.
type Lang string

// The languages of every sentence the lab shows.
const (
	En Lang = "en"
	Zh Lang = "zh"
)

// ParseLang accepts "en" or "zh".
func ParseLang(s string) (Lang, error) {
	switch Lang(s) {
	case En, Zh:
		return Lang(s), nil
	}
	return "", fmt.Errorf("unknown language %q (valid: en, zh)", s)
}

// LangFromEnv picks the language from LC_ALL, LC_MESSAGES or LANG:
// a value starting with "zh" means Chinese, anything else English.
func LangFromEnv(getenv func(string) string) Lang {
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "zh") {
				return Zh
			}
			return En
		}
	}
	return En
}

// Text is one sentence in English and Chinese.
type Text struct {
	En string
	Zh string
}

// T returns a Text from its two translations.
func T(en, zh string) Text { return Text{En: en, Zh: zh} }

// Tf formats both translations with the same arguments.
func Tf(en, zh string, args ...any) Text {
	return Text{En: fmt.Sprintf(en, args...), Zh: fmt.Sprintf(zh, args...)}
}

// In returns the text in language l.
func (t Text) In(l Lang) string {
	if l == Zh {
		return t.Zh
	}
	return t.En
}

// IsZero reports whether t has no text in either language.
func (t Text) IsZero() bool { return t.En == "" && t.Zh == "" }

// PyDecode decodes b as UTF-8 the way Python's bytes.decode('utf-8',
// errors='replace') does: each invalid byte, and each character cut short,
// becomes one U+FFFD.
func PyDecode(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r != utf8.RuneError || size > 1 {
			sb.WriteRune(r)
			b = b[size:]
			continue
		}
		// An invalid byte. If it starts a multi-byte character whose
		// continuation bytes stop early, the whole cut-short prefix is one error.
		n := 1
		if need := seqLen(b[0]); need > 1 {
			for n < need && n < len(b) && b[n]&0xC0 == 0x80 {
				n++
			}
		}
		sb.WriteRune(utf8.RuneError)
		b = b[n:]
	}
	return sb.String()
}

// seqLen is the length of the UTF-8 sequence a lead byte starts, or 1.
func seqLen(c byte) int {
	switch {
	case c >= 0xC2 && c <= 0xDF:
		return 2
	case c >= 0xE0 && c <= 0xEF:
		return 3
	case c >= 0xF0 && c <= 0xF4:
		return 4
	}
	return 1
}
