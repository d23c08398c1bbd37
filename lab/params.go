package lab

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Kind is the type of a knob's value.
type Kind int

// The kinds of knob values.
const (
	KindInt    Kind = iota + 1 // a whole number in [Min, Max]
	KindSize                   // a byte count with an optional unit: 1500, 64KiB, 200MB
	KindString                 // any text (at most Max bytes when Max > 0)
	KindEnum                   // one of Choices
	KindBool                   // on/off
)

// Knob is one parameter of a demo, set with --set name=value.
type Knob struct {
	Name    string
	Kind    Kind
	Default string
	Min     int64
	Max     int64
	Choices []string
	Help    Text
}

// KnobHint lists a demo's knobs with their ranges, for the hint under a
// bad --set (lab run) or a bad knob from the page (lab web).
func (d Demo) KnobHint() Text {
	if len(d.Knobs) == 0 {
		return T("this demo has no knobs", "这个演示没有参数")
	}
	var en, zh []string
	for _, k := range d.Knobs {
		en = append(en, fmt.Sprintf("%s (%s)", k.Name, k.RangeIn(En)))
		zh = append(zh, fmt.Sprintf("%s（%s）", k.Name, k.RangeIn(Zh)))
	}
	return Text{
		En: "knobs of " + d.Name() + ": " + strings.Join(en, ", "),
		Zh: "演示 " + d.Name() + " 的参数：" + strings.Join(zh, "、"),
	}
}

// Range describes the valid values in English, for JSON and error hints.
func (k Knob) Range() string { return k.RangeIn(En) }

// RangeIn describes the valid values in language l.
func (k Knob) RangeIn(l Lang) string {
	switch k.Kind {
	case KindInt:
		return fmt.Sprintf("%d..%d", k.Min, k.Max)
	case KindSize:
		return fmt.Sprintf("%s..%s", FormatSize(k.Min), FormatSize(k.Max))
	case KindEnum:
		return strings.Join(k.Choices, "|")
	case KindBool:
		return "on|off"
	case KindString:
		if k.Max > 0 {
			return Tf("text, at most %d bytes", "文字，最多 %d 字节", k.Max).In(l)
		}
		return T("text", "文字").In(l)
	}
	return ""
}

// KnobError is a value or a name a demo's knobs refuse, said in both
// languages: Error is the English, Text.In(l) the learner's.
type KnobError struct {
	Text Text
	err  error // ErrUnknownKnob for a name the demo does not have
}

func (e *KnobError) Error() string { return e.Text.En }

// Unwrap makes errors.Is(err, ErrUnknownKnob) work.
func (e *KnobError) Unwrap() error { return e.err }

// refuse returns a KnobError that adds the knob's range to t, in each
// language.
func (k Knob) refuse(t Text) error {
	t.En += " (valid: " + k.RangeIn(En) + ")"
	t.Zh += "（有效值：" + k.RangeIn(Zh) + "）"
	return &KnobError{Text: t}
}

// Parse checks s against the knob and returns its canonical form. Its
// errors are *KnobError.
func (k Knob) Parse(s string) (string, error) {
	switch k.Kind {
	case KindInt:
		v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return "", k.refuse(Tf("%s=%q is not a whole number", "%s=%q 不是整数", k.Name, s))
		}
		if v < k.Min || v > k.Max {
			return "", k.refuse(Tf("%s=%d is out of range", "%s=%d 超出范围", k.Name, v))
		}
		return strconv.FormatInt(v, 10), nil
	case KindSize:
		v, why := parseSize(s)
		if !why.IsZero() {
			return "", k.refuse(Text{
				En: fmt.Sprintf("%s=%q: %s", k.Name, s, why.En),
				Zh: fmt.Sprintf("%s=%q：%s", k.Name, s, why.Zh),
			})
		}
		if v < k.Min || v > k.Max {
			return "", k.refuse(Tf("%s=%s is out of range", "%s=%s 超出范围", k.Name, s))
		}
		return strconv.FormatInt(v, 10), nil
	case KindEnum:
		if slices.Contains(k.Choices, s) {
			return s, nil
		}
		return "", k.refuse(Tf("%s=%q is not a choice", "%s=%q 不是可选的值", k.Name, s))
	case KindBool:
		switch strings.ToLower(s) {
		case "on", "true", "1", "yes":
			return "on", nil
		case "off", "false", "0", "no":
			return "off", nil
		}
		return "", &KnobError{Text: Tf("%s=%q is not on or off", "%s=%q 既不是 on 也不是 off", k.Name, s)}
	case KindString:
		if k.Max > 0 && int64(len(s)) > k.Max {
			return "", k.refuse(Tf("%s is %d bytes long", "%s 长 %d 字节", k.Name, len(s)))
		}
		if k.Min > 0 && int64(len(s)) < k.Min {
			return "", &KnobError{Text: Tf("%s must be at least %d bytes long", "%s 至少要有 %d 字节", k.Name, k.Min)}
		}
		return s, nil
	}
	return "", &KnobError{Text: Tf("knob %s has no kind", "参数 %s 没有类型", k.Name)}
}

// Params are a demo's knob values, checked against its knobs.
type Params struct {
	knobs []Knob
	vals  map[string]string
}

// ErrUnknownKnob is returned by ParseParams for a name the demo does not have.
var ErrUnknownKnob = errors.New("unknown knob")

// ParseParams starts from the knobs' defaults and applies each "name=value".
// Its errors for sets are *KnobError; a bad default is a bug in the demo.
func ParseParams(knobs []Knob, sets []string) (Params, error) {
	p := Params{knobs: knobs, vals: make(map[string]string, len(knobs))}
	for _, k := range knobs {
		v, err := k.Parse(k.Default) // canonical form: "32KiB" becomes "32768"
		if err != nil {
			return p, fmt.Errorf("knob %s: bad default: %w", k.Name, err)
		}
		p.vals[k.Name] = v
	}
	for _, s := range sets {
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			return p, &KnobError{Text: Tf("--set %q: want name=value", "--set %q：应写成 名称=值", s)}
		}
		if err := p.Set(name, value); err != nil {
			return p, err
		}
	}
	return p, nil
}

// Set checks and stores one value. Its errors are *KnobError.
func (p *Params) Set(name, value string) error {
	k, ok := p.Knob(name)
	if !ok {
		t := Text{
			En: fmt.Sprintf("%v %q (valid: %s)", ErrUnknownKnob, name, p.names(", ")),
			Zh: fmt.Sprintf("未知参数 %q（有效的参数：%s）", name, p.names("、")),
		}
		if len(p.knobs) == 0 {
			t = Text{
				En: fmt.Sprintf("%v %q (valid: this demo has no knobs)", ErrUnknownKnob, name),
				Zh: fmt.Sprintf("未知参数 %q（这个演示没有参数）", name),
			}
		}
		return &KnobError{Text: t, err: ErrUnknownKnob}
	}
	v, err := k.Parse(value)
	if err != nil {
		return err
	}
	p.vals[name] = v
	return nil
}

// names lists the knobs' names, joined by sep.
func (p Params) names(sep string) string {
	var names []string
	for _, k := range p.knobs {
		names = append(names, k.Name)
	}
	return strings.Join(names, sep)
}

// Knob returns the knob called name.
func (p Params) Knob(name string) (Knob, bool) {
	for _, k := range p.knobs {
		if k.Name == name {
			return k, true
		}
	}
	return Knob{}, false
}

// Knobs returns the demo's knobs in order.
func (p Params) Knobs() []Knob { return p.knobs }

// String returns a knob's value as text. It panics for a name the demo does
// not declare: that is a bug in the demo, caught by its tests.
func (p Params) String(name string) string {
	v, ok := p.vals[name]
	if !ok {
		panic("lab: demo reads undeclared knob " + name)
	}
	return v
}

// Int returns an int or size knob's value.
func (p Params) Int(name string) int {
	v, err := strconv.ParseInt(p.String(name), 10, 64)
	if err != nil {
		panic("lab: knob " + name + " is not a number: " + err.Error())
	}
	return int(v)
}

// Bool returns an on/off knob's value.
func (p Params) Bool(name string) bool { return p.String(name) == "on" }

// Values returns every knob's value by name.
func (p Params) Values() map[string]string {
	out := make(map[string]string, len(p.vals))
	for k, v := range p.vals {
		out[k] = v
	}
	return out
}

// Sets returns the non-default values as name=value, for a command line.
func (p Params) Sets() []string {
	var out []string
	for _, k := range p.knobs {
		if def, _ := k.Parse(k.Default); p.vals[k.Name] != def {
			out = append(out, k.Name+"="+p.vals[k.Name])
		}
	}
	return out
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30},
	{"b", 1},
}

// The reasons ParseSize refuses a size.
var (
	notSize  = T("not a size (examples: 100, 64KiB, 1MiB, 200MB)", "不是大小（例如：100、64KiB、1MiB、200MB）")
	tooLarge = T("size too large", "大小超出上限")
)

// ParseSize reads a byte count: 1500, 64KiB, 1MiB, 200MB (KB = 1000, KiB = 1024).
func ParseSize(s string) (int64, error) {
	v, why := parseSize(s)
	if !why.IsZero() {
		return 0, errors.New(why.En)
	}
	return v, nil
}

// parseSize is ParseSize with its reason in both languages.
func parseSize(s string) (int64, Text) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v < 0 {
		return 0, notSize
	}
	if v > (1<<62)/mult {
		return 0, tooLarge
	}
	return v * mult, Text{}
}

// FormatSize writes n in the largest binary unit that divides it.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return strconv.FormatInt(n, 10)
}
