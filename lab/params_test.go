package lab

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var testKnobs = []Knob{
	{Name: "buf", Kind: KindInt, Default: "7", Min: 1, Max: 65536, Help: T("b", "b")},
	{Name: "size", Kind: KindSize, Default: "1KiB", Min: 0, Max: 1 << 30, Help: T("s", "s")},
	{Name: "mode", Kind: KindEnum, Default: "buffer", Choices: []string{"buffer", "nagle"}, Help: T("m", "m")},
	{Name: "msg", Kind: KindString, Default: "hi", Min: 1, Max: 8, Help: T("t", "t")},
	{Name: "nagle", Kind: KindBool, Default: "off", Help: T("n", "n")},
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		set     string
		name    string
		want    string
		wantErr string // in the English error
		wantZh  string // in its Chinese text
	}{
		{"buf=1", "buf", "1", "", ""},
		{"buf=65536", "buf", "65536", "", ""},
		{"buf= 12 ", "buf", "12", "", ""},
		{"buf=0", "", "", "buf=0 is out of range (valid: 1..65536)", "buf=0 超出范围（有效值：1..65536）"},
		{"buf=65537", "", "", "out of range", "超出范围"},
		{"buf=-1", "", "", "out of range", "buf=-1 超出范围"},
		{"buf=abc", "", "", `buf="abc" is not a whole number`, `buf="abc" 不是整数（有效值：1..65536）`},
		{"buf=", "", "", "not a whole number", "不是整数"},
		{"buf=99999999999999999999", "", "", "not a whole number", "不是整数"},
		{"size=64KiB", "size", "65536", "", ""},
		{"size=1MB", "size", "1000000", "", ""},
		{"size=200mb", "size", "200000000", "", ""},
		{"size=0", "size", "0", "", ""},
		{"size=2GiB", "", "", "out of range", "size=2GiB 超出范围（有效值：0..1GiB）"},
		{"size=12XB", "", "", "not a size", `size="12XB"：不是大小（例如：100、64KiB、1MiB、200MB）（有效值：0..1GiB）`},
		{"mode=nagle", "mode", "nagle", "", ""},
		{"mode=Nagle", "", "", "valid: buffer|nagle", `mode="Nagle" 不是可选的值（有效值：buffer|nagle）`},
		{"msg=12345678", "msg", "12345678", "", ""},
		{"msg=123456789", "", "", "9 bytes long", "msg 长 9 字节（有效值：文字，最多 8 字节）"},
		{"msg=", "", "", "at least 1", "msg 至少要有 1 字节"},
		{"msg=a=b", "msg", "a=b", "", ""},
		{"nagle=on", "nagle", "on", "", ""},
		{"nagle=true", "nagle", "on", "", ""},
		{"nagle=maybe", "", "", "not on or off", `nagle="maybe" 既不是 on 也不是 off`},
		{"nosuch=1", "", "", "unknown knob \"nosuch\" (valid: buf, size, mode, msg, nagle)", `未知参数 "nosuch"（有效的参数：buf、size、mode、msg、nagle）`},
		{"buf", "", "", "want name=value", `--set "buf"：应写成 名称=值`},
	}
	for _, tt := range tests {
		t.Run(tt.set, func(t *testing.T) {
			p, err := ParseParams(testKnobs, []string{tt.set})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				var ke *KnobError
				if !errors.As(err, &ke) {
					t.Fatalf("error %v is a %T, want a *KnobError", err, err)
				}
				if strings.Contains(ke.Text.En+ke.Text.Zh, "%!") {
					t.Errorf("a formatting mistake in %+v", ke.Text)
				}
				if ke.Text.En != err.Error() || ke.Text.In(En) != err.Error() {
					t.Errorf("English text %q differs from Error() %q", ke.Text.En, err.Error())
				}
				if zh := ke.Text.In(Zh); !strings.Contains(zh, tt.wantZh) || hasLatinWord(zh, "valid", "not", "out", "range", "unknown", "want", "bytes", "long", "least", "text") {
					t.Errorf("Chinese text %q, want it to contain %q and no English sentence", zh, tt.wantZh)
				}
				if got := errors.Is(err, ErrUnknownKnob); got != strings.HasPrefix(tt.set, "nosuch") {
					t.Errorf("errors.Is(err, ErrUnknownKnob) = %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String(tt.name); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestParamsDefaultsAndSets(t *testing.T) {
	p, err := ParseParams(testKnobs, []string{"buf=9", "buf=10"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Int("buf") != 10 || p.String("mode") != "buffer" || p.Bool("nagle") {
		t.Errorf("got buf=%d mode=%s nagle=%v", p.Int("buf"), p.String("mode"), p.Bool("nagle"))
	}
	if p.Int("size") != 1024 {
		t.Errorf("size default 1KiB = %d", p.Int("size"))
	}
	if got := strings.Join(p.Sets(), " "); got != "buf=10" {
		t.Errorf("Sets() = %q", got)
	}
	_, err = ParseParams(nil, []string{"x=1"})
	if !errors.Is(err, ErrUnknownKnob) || !strings.Contains(err.Error(), "no knobs") {
		t.Errorf("error = %v", err)
	}
	var ke *KnobError
	if !errors.As(err, &ke) || ke.Text.Zh != `未知参数 "x"（这个演示没有参数）` {
		t.Errorf("Chinese text of %v: %+v", err, ke)
	}
}

// hasLatinWord reports whether s contains one of words as a whole word.
func hasLatinWord(s string, words ...string) bool {
	f := strings.FieldsFunc(s, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') })
	for _, w := range words {
		if slices.Contains(f, w) {
			return true
		}
	}
	return false
}

func TestRangeIn(t *testing.T) {
	tests := []struct {
		k      Knob
		en, zh string
	}{
		{testKnobs[0], "1..65536", "1..65536"},
		{testKnobs[1], "0..1GiB", "0..1GiB"},
		{testKnobs[2], "buffer|nagle", "buffer|nagle"},
		{testKnobs[3], "text, at most 8 bytes", "文字，最多 8 字节"},
		{Knob{Name: "any", Kind: KindString}, "text", "文字"},
		{testKnobs[4], "on|off", "on|off"},
	}
	for _, tt := range tests {
		if got := tt.k.Range(); got != tt.en {
			t.Errorf("%s: Range() = %q, want %q", tt.k.Name, got, tt.en)
		}
		if got := tt.k.RangeIn(En); got != tt.en {
			t.Errorf("%s: RangeIn(En) = %q, want %q", tt.k.Name, got, tt.en)
		}
		if got := tt.k.RangeIn(Zh); got != tt.zh {
			t.Errorf("%s: RangeIn(Zh) = %q, want %q", tt.k.Name, got, tt.zh)
		}
	}
}

func TestSizeRoundTrip(t *testing.T) {
	for _, n := range []int64{0, 1, 1000, 1024, 1 << 20, 3 << 30} {
		got, err := ParseSize(FormatSize(n))
		if err != nil || got != n {
			t.Errorf("ParseSize(FormatSize(%d)) = %d, %v", n, got, err)
		}
	}
}

func TestKnobDefaultsParse(t *testing.T) {
	for _, k := range testKnobs {
		if _, err := k.Parse(k.Default); err != nil {
			t.Errorf("default of %s: %v", k.Name, err)
		}
	}
}
