package lab

import "testing"

func TestPyDecode(t *testing.T) {
	// The expected strings are what CPython 3 prints for
	// b.decode('utf-8', errors='replace').
	tests := []struct {
		in   string
		want string
	}{
		{"", ""},
		{"hello", "hello"},
		{"你好，世界", "你好，世界"},
		{"\xe4\xbd\xa0\xe5\xa5\xbd\xef", "你好\ufffd"},
		{"\xbc\x8c\xe4\xb8\x96\xe7\x95", "\ufffd\ufffd世\ufffd"},
		{"\x8c", "\ufffd"},
		{"a\xffb", "a\ufffdb"},
		{"\xf0\x9f\x98", "\ufffd"},
		{"\xf0\x9f\x98\x80", "😀"},
		{"\xe4a", "\ufffda"},
	}
	for _, tt := range tests {
		if got := PyDecode([]byte(tt.in)); got != tt.want {
			t.Errorf("PyDecode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLangFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want Lang
	}{
		{map[string]string{}, En},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, Zh},
		{map[string]string{"LANG": "zh_TW.UTF-8"}, Zh},
		{map[string]string{"LANG": "en_US.UTF-8"}, En},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, En},
		{map[string]string{"LC_MESSAGES": "zh_CN", "LANG": "en_US"}, Zh},
	}
	for _, tt := range tests {
		if got := LangFromEnv(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("LangFromEnv(%v) = %s, want %s", tt.env, got, tt.want)
		}
	}
}
