package lab

import (
	"errors"
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
		wantErr string
	}{
		{"buf=1", "buf", "1", ""},
		{"buf=65536", "buf", "65536", ""},
		{"buf= 12 ", "buf", "12", ""},
		{"buf=0", "", "", "buf=0 is out of range (valid: 1..65536)"},
		{"buf=65537", "", "", "out of range"},
		{"buf=-1", "", "", "out of range"},
		{"buf=abc", "", "", `buf="abc" is not a whole number`},
		{"buf=", "", "", "not a whole number"},
		{"buf=99999999999999999999", "", "", "not a whole number"},
		{"size=64KiB", "size", "65536", ""},
		{"size=1MB", "size", "1000000", ""},
		{"size=200mb", "size", "200000000", ""},
		{"size=0", "size", "0", ""},
		{"size=2GiB", "", "", "out of range"},
		{"size=12XB", "", "", "not a size"},
		{"mode=nagle", "mode", "nagle", ""},
		{"mode=Nagle", "", "", "valid: buffer|nagle"},
		{"msg=12345678", "msg", "12345678", ""},
		{"msg=123456789", "", "", "9 bytes long"},
		{"msg=", "", "", "at least 1"},
		{"msg=a=b", "msg", "a=b", ""},
		{"nagle=on", "nagle", "on", ""},
		{"nagle=true", "nagle", "on", ""},
		{"nagle=maybe", "", "", "not on or off"},
		{"nosuch=1", "", "", "unknown knob \"nosuch\" (valid: buf, size, mode, msg, nagle)"},
		{"buf", "", "", "want name=value"},
	}
	for _, tt := range tests {
		t.Run(tt.set, func(t *testing.T) {
			p, err := ParseParams(testKnobs, []string{tt.set})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
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
